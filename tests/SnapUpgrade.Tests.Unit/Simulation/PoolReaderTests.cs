using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class PoolReaderTests
{
    [Fact]
    public void Read_AFileSystemWithASnapshotAndAChild_ListsDepthFirstWithMountState()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a", ("mountpoint", "/a"));
        parts.FileSystem("tank/a/z");
        parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, SimParts.Epoch);
        parts.MountAt("tank/a", "/a");
        parts.Datasets.Pools["tank"].Bootfs = "tank/a";

        var listing = PoolReader.Read(parts.Datasets, parts.Mounts, "tank");

        Assert.Equal(["tank", "tank/a", "tank/a@s", "tank/a/z"], listing.Datasets.Select(d => d.Name));
        Assert.Equal("tank/a", listing.Pool.Bootfs);
        var a = listing.Find("tank/a")!;
        Assert.True(a.Mounted);
        Assert.Equal("/a", a.MountPoint);
        Assert.Equal("/a/z", listing.Find("tank/a/z")!.MountPoint);
        Assert.False(listing.Find("tank/a/z")!.Mounted);
    }

    [Fact]
    public void Read_AFileWrittenAfterASnapshot_IsChargedToTheFileSystemNotTheSnapshot()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, SimParts.Epoch);
        var before = PoolReader.Read(parts.Datasets, parts.Mounts, "tank");

        parts.Trees.Set("tank/a", ["big"], new FileNode(new byte[100_000], new NodeMeta(FileNode.DefaultMode, 0, 0, 9)));
        var after = PoolReader.Read(parts.Datasets, parts.Mounts, "tank");

        Assert.True(after.Find("tank/a")!.Used >= before.Find("tank/a")!.Used + 100_000);
        // The snapshot now holds its own copy of the root directory's block, not the file.
        Assert.InRange(after.Find("tank/a@s")!.Used, 0, Node.Block);
    }

    [Fact]
    public void Read_AnUnknownPool_FailsAsZfsGetDoes()
    {
        var error = Assert.Throws<ZfsCommandException>(() => PoolReader.Read(new DatasetTable(), new MountTable(), "nope"));

        Assert.Equal("cannot open 'nope': dataset does not exist\n", error.StandardError);
    }
}

/// <summary>
/// The table keeps each file system's space figures until something below it changes (issue 13): after every
/// kind of change zfs makes, a read of the live table says exactly what a table loaded afresh from the same state
/// file says, where nothing was kept.
/// </summary>
public sealed class PoolReaderKeptFiguresTests
{
    [Fact]
    public async Task Read_AfterEachKindOfChange_SaysWhatAFreshTableSays()
    {
        using var state = new TempStateFile();
        var host = await Sim.BootedAsync(state.Path);
        var steps = new (string What, Func<Task> Change)[]
        {
            ("write in the booted BE", () => Task.Run(() => host.WriteAllBytes("/etc/big", new byte[40_000]))),
            ("snapshot", () => host.RunAsync(new ZfsSnapshot("tank/ROOT/be1@one"))),
            ("write after it", () => Task.Run(() => host.WriteAllBytes("/etc/more", new byte[30_000]))),
            ("clone a BE", () => host.CloneBeAsync("tank/ROOT/be1@one", "be2")),
            ("a child file system", () => host.RunAsync(new ZfsCreate("tank/ROOT/be2/opt", Sim.Props(("canmount", "noauto"))))),
            ("second snapshot", () => host.RunAsync(new ZfsSnapshot("tank/ROOT/be1@two"))),
            ("rename it", () => host.RunAsync(new ZfsRename("tank/ROOT/be2", "tank/ROOT/be3"))),
            ("promote the clone", () => host.RunAsync(new ZfsPromote("tank/ROOT/be3"))),
            ("rename a snapshot", () => host.RunAsync(new ZfsRename("tank/ROOT/be1@two", "tank/ROOT/be1@deux"))),
            ("rollback", () => host.RunAsync(new ZfsRollback("tank/ROOT/be1@deux"))),
            ("destroy a snapshot", () => host.RunAsync(new ZfsDestroy("tank/ROOT/be1@deux"))),
            ("destroy the child", () => host.RunAsync(new ZfsDestroy("tank/ROOT/be3/opt"))),
        };
        foreach (var (what, change) in steps)
        {
            _ = await host.ListAsync(Sim.Pool, Sim.Ct); // the figures are kept from here
            await change();
            var live = await host.ListAsync(Sim.Pool, Sim.Ct);
            var fresh = await new SimulatedZfs(state.Path).ListAsync(Sim.Pool, Sim.Ct);
            Assert.True(fresh.Datasets.SequenceEqual(live.Datasets), $"after '{what}':\n" + Differences(fresh, live));
            Assert.Equal(fresh.Pool, live.Pool);
            var scope = new ReadScope([], [.. live.Datasets.Where(d => d.IsSnapshot).Select(d => d.Name)], ["tank/ROOT"]);
            Assert.True((await host.ReadAsync(Sim.Pool, scope, Sim.Ct)).Datasets.All(d => d == fresh.Find(d.Name)), $"scoped read after '{what}'");
        }
    }

    private static string Differences(PoolListing expected, PoolListing actual) => string.Join('\n',
        expected.Datasets.Zip(actual.Datasets).Where(p => p.First != p.Second).Select(p => $"fresh {p.First}\nlive  {p.Second}"));
}
