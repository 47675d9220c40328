using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class PromoteTests
{
    private static readonly string Be1 = Layout.Be("be1");
    private static readonly string Be2 = Layout.Be("be2");

    /// <summary>be1@s1, be1@s2, be1@s3; be2 cloned from be1@s2; be3 cloned from be1@s1.</summary>
    private static async Task<SimulatedZfs> ArrangeAsync()
    {
        var host = await BootedAsync();
        foreach (var s in new[] { "s1", "s2", "s3" })
        {
            host.WriteAllBytes($"/etc/{s}", Bytes(s));
            await host.RunAsync(new ZfsSnapshot($"{Be1}@{s}"));
        }
        await host.CloneBeAsync($"{Be1}@s2", "be2");
        await host.CloneBeAsync($"{Be1}@s1", "be3");
        return host;
    }

    [Fact]
    public async Task Promote_Clone_TakesSnapshotsUpToItsOriginAndTheFormerOriginBecomesItsClone()
    {
        var host = await ArrangeAsync();

        await host.RunAsync(new ZfsPromote(Be2));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.Null(listing.Find(Be2)!.Origin);
        Assert.Equal($"{Be2}@s2", listing.Find(Be1)!.Origin);
        Assert.NotNull(listing.Find($"{Be2}@s1"));
        Assert.NotNull(listing.Find($"{Be2}@s2"));
        Assert.Null(listing.Find($"{Be1}@s1"));
        Assert.Null(listing.Find($"{Be1}@s2"));
        Assert.NotNull(listing.Find($"{Be1}@s3")); // later than the origin: stays
        Assert.Equal($"{Be2}@s1", listing.Find(Layout.Be("be3"))!.Origin); // other clones follow their snapshot
    }

    [Fact]
    public async Task Promote_Clone_KeepsEveryFileSystemsContent()
    {
        var host = await ArrangeAsync();
        host.WriteAllBytes("/etc/after", Bytes("be1 only"));

        await host.RunAsync(new ZfsPromote(Be2));
        await host.RunAsync(new ZfsSet(Be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(Be2));

        Assert.Equal("be1 only", Text(host.ReadAllBytes("/etc/after")));
        Assert.Equal(FileKind.File, host.GetKind("/a/etc/s2"));
        Assert.Equal(FileKind.Missing, host.GetKind("/a/etc/s3"));
        Assert.Equal(FileKind.Missing, host.GetKind("/a/etc/after"));
    }

    [Fact]
    public async Task Promote_OtherClonesOfAMovedSnapshot_FollowItWithTheirFiguresAndItKeepsThem()
    {
        var host = await ArrangeAsync();
        var be3 = Layout.Be("be3");
        var before = await host.FindAsync(be3);

        await host.RunAsync(new ZfsPromote(Be2));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.Equal((before!.Used, before.Referenced), (listing.Find(be3)!.Used, listing.Find(be3)!.Referenced));
        Assert.Equal(1, listing.Find($"{Be2}@s1")!.NumClones);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => host.RunAsync(new ZfsDestroy($"{Be2}@s1")));
        Assert.Contains("dependent clones", refused.Message, StringComparison.Ordinal);
        await host.RunAsync(new ZfsDestroy(be3));
        await host.RunAsync(new ZfsDestroy($"{Be2}@s1")); // its clone gone, the snapshot has none
    }

    [Fact]
    public async Task Promote_Twice_SwapsBackToTheOriginalShape()
    {
        var host = await ArrangeAsync();

        await host.RunAsync(new ZfsPromote(Be2));
        await host.RunAsync(new ZfsPromote(Be1));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.Null(listing.Find(Be1)!.Origin);
        Assert.Equal($"{Be1}@s2", listing.Find(Be2)!.Origin);
        Assert.Equal($"{Be1}@s1", listing.Find(Layout.Be("be3"))!.Origin);
    }

    [Fact]
    public async Task Promote_NotAClone_ThrowsNotACloned()
    {
        var host = await ArrangeAsync();

        var error = await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsPromote(Be1)));

        Assert.Equal((1, true), (error.ExitCode, error.StandardError.Contains("not a cloned filesystem")));
        Assert.Equal(new[] { "zfs", "promote", Be1 }, error.Argv);
    }

    [Fact]
    public async Task Promote_SnapshotNameClash_ThrowsAndChangesNothing()
    {
        var host = await ArrangeAsync();
        await host.RunAsync(new ZfsSet(Be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(Be2));
        await host.RunAsync(new ZfsSnapshot($"{Be2}@s1"));
        var before = await host.ListAsync(Pool, Ct);

        var error = await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsPromote(Be2)));

        Assert.Contains("conflicting snapshot", error.StandardError);
        Assert.Equal(before.Datasets.Select(d => (d.Name, d.Origin)), (await host.ListAsync(Pool, Ct)).Datasets.Select(d => (d.Name, d.Origin)));
    }
}
