using SnapUpgrade.Core.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// Issue 13's scoped reads: what <see cref="IZfs.ReadAsync"/> gives of a scope is what a whole listing
/// shows of it (space figures apart), a name that does not exist is left out, and zfs's own clone count
/// guid and createtxg (what the engine splices, checks and orders snapshots by) hold through clones,
/// promotes and renames.
/// </summary>
public abstract partial class ZfsContract
{
    [Fact]
    public async Task ReadAsync_TreesAndSingles_AreWhatAListingShowsOfThem_AndMissingNamesAreLeftOut()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be3");
        var scope = new ReadScope([l.Be("be1"), l.Be("nosuch")], [host.Pool, l.BeContainer, l.Be("be3"), l.Be("gone")]);

        var read = await host.Zfs.ReadAsync(host.Pool, scope, Ct);
        var listing = await host.ListAsync();

        string[] expected = [host.Pool, l.BeContainer, l.Be("be1"), l.Be("be1") + "@s1", l.Be("be3")];
        Assert.Equal(expected.Order(StringComparer.Ordinal), read.Datasets.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(read.Datasets, d => Assert.Equal(listing.Find(d.Name)! with { Used = 0, Referenced = 0 }, d with { Used = 0, Referenced = 0 }));
        Assert.Equal(listing.Pool with { Allocated = 0, Free = 0 }, read.Pool with { Allocated = 0, Free = 0 });
    }

    [Fact]
    public async Task ReadAsync_HundredsOfNamesHalfMissing_AreWhatAListingShowsOfThem()
    {
        // A promote's read at 1000 BEs: each snapshot by its name now and by the one it takes (not there yet), in one
        // read whose zfs says "does not exist" for half of what it was asked.
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        var taken = Enumerable.Range(1, 150).Select(i => $"{l.Be("be1")}@s{i}").ToList();
        foreach (var snapshot in taken) await host.RunAsync(new ZfsSnapshot(snapshot));
        var missing = taken.Select(s => s.Replace("be1@", "be2@", StringComparison.Ordinal)).ToList();

        var read = await host.Zfs.ReadAsync(host.Pool, new ReadScope([], [.. missing.Zip(taken).SelectMany(p => new[] { p.First, p.Second })]), Ct);
        var listing = await host.ListAsync();

        Assert.Equal(taken.Order(StringComparer.Ordinal), read.Datasets.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(read.Datasets, d => Assert.Equal(listing.Find(d.Name)! with { Used = 0, Referenced = 0 }, d with { Used = 0, Referenced = 0 }));
    }

    [Fact]
    public async Task ReadAsync_FileSystems_AreTheFileSystemsBelowWithoutSnapshots_AsAListingShowsThem()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        await host.RunAsync(new ZfsCreate(l.Be("be1") + "/var", new Dictionary<string, string> { ["canmount"] = "off" }));
        await host.RunAsync(new ZfsSnapshot([l.Be("be1") + "@s1"], recursive: true));
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s2"));
        var scope = new ReadScope([], [l.Be("be1") + "@s2"], fileSystems: [l.Be("be1"), l.Be("nosuch")]);

        var read = await host.Zfs.ReadAsync(host.Pool, scope, Ct);
        var listing = await host.ListAsync();

        // be1@s1 and be1/var@s1 are not read: a BE's snapshots the operation does not look at.
        string[] expected = [l.Be("be1"), l.Be("be1") + "/var", l.Be("be1") + "@s2"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), read.Datasets.Select(d => d.Name).Order(StringComparer.Ordinal));
        Assert.All(read.Datasets, d => Assert.Equal(listing.Find(d.Name)! with { Used = 0, Referenced = 0 }, d with { Used = 0, Referenced = 0 }));
    }

    [Fact]
    public async Task ReadAsync_OnlyMissingNames_IsAnEmptyReadOfThePool()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();

        var read = await host.Zfs.ReadAsync(host.Pool, new ReadScope([l.Be("nosuch")], [l.Be("gone")]), Ct);

        Assert.Empty(read.Datasets);
        Assert.Equal(host.Pool, read.Pool.Name);
        Assert.Equal(l.Be("be1"), read.Pool.Bootfs);
    }

    [Fact]
    public async Task NumClones_CountsEveryCloneOfASnapshot_AndGuidsStayThroughPromoteAndRename()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be3");
        var before = await host.ListAsync();
        var snapshot = before.Find(l.Be("be1") + "@s1")!;
        Assert.Equal(2, snapshot.NumClones);
        Assert.Null(before.Find(l.Be("be1"))!.NumClones); // a file system has no clone count
        Assert.Equal(before.Datasets.Count, before.Datasets.Select(d => d.Guid).Distinct().Count());
        Assert.All(before.Datasets, d => Assert.False(string.IsNullOrEmpty(d.Guid), d.Name));

        await host.RunAsync(new ZfsPromote(l.Be("be2")));
        // be1, booted, is now a clone of be2: where a rename remounts the clones of what it renames, it would be busy.
        await host.RunAsync(new ZfsUnmount(l.Be("be1")));
        await host.RunAsync(new ZfsRename(l.Be("be2"), l.Be("renamed")));

        var after = await host.ListAsync();
        var moved = after.Find(l.Be("renamed") + "@s1")!;
        Assert.Equal(snapshot.Guid, moved.Guid);
        Assert.True(moved.CreateTxg > 0 && moved.CreateTxg == snapshot.CreateTxg, $"createtxg {snapshot.CreateTxg}, then {moved.CreateTxg}");
        Assert.Equal(2, moved.NumClones); // be1 and be3 now hang off it
        Assert.Equal(before.Find(l.Be("be2"))!.Guid, after.Find(l.Be("renamed"))!.Guid);
        Assert.Equal(moved.Name, after.Find(l.Be("be3"))!.Origin);
    }
}
