using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class ZfsLifecycleTests
{
    private readonly SimParts _parts = new();
    private readonly ZfsLifecycle _lifecycle;

    public ZfsLifecycleTests()
    {
        var mounter = new ZfsMounter(_parts.Datasets, _parts.Mounts, _parts.Paths, _parts.Tree);
        _lifecycle = new ZfsLifecycle(_parts.Datasets, _parts.Mounts, mounter);
        var fs = _parts.FileSystem("tank/a");
        _parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, SimParts.Epoch);
        _parts.Datasets.Add("tank/c", isSnapshot: false, fs.Root, SimParts.Epoch, origin: "tank/a@s");
    }

    [Fact]
    public void Promote_AClone_TakesTheSnapshotAndTurnsTheOriginAround()
    {
        _lifecycle.Promote(new ZfsPromote("tank/c"));

        Assert.Null(_parts.Datasets.Find("tank/a@s"));
        Assert.Equal("tank/c@s", _parts.Datasets["tank/a"].Origin);
        Assert.Null(_parts.Datasets["tank/c"].Origin);
    }

    [Fact]
    public void Destroy_ASnapshotWithAClone_IsRefusedAndRecursiveDestroyOfItsFileSystemToo()
    {
        Assert.Contains("snapshot has dependent clones", Assert.Throws<ZfsCommandException>(() => _lifecycle.Destroy(new ZfsDestroy("tank/a@s"))).StandardError);
        Assert.Contains("filesystem has dependent clones", Assert.Throws<ZfsCommandException>(() => _lifecycle.Destroy(new ZfsDestroy("tank/a", Recursive: true))).StandardError);
        Assert.NotNull(_parts.Datasets.Find("tank/a@s"));
    }

    [Fact]
    public void Rename_AFileSystemThatIsTheBootfsAndMounted_IsBusyUntilUnmountedThenMovesMountsAlong()
    {
        _parts.Datasets.Pools["tank"].Bootfs = "tank/a";
        _parts.MountAt("tank/a", "/a");
        _parts.Mounts.Add(SimParts.Bind("/lab", "tank/a", []));

        Assert.Contains("dataset is busy", Assert.Throws<ZfsCommandException>(() => _lifecycle.Rename(new ZfsRename("tank/a", "tank/b"))).StandardError);
        _parts.Mounts.RemoveZfsMount("tank/a");
        _lifecycle.Rename(new ZfsRename("tank/a", "tank/b"));

        Assert.Equal("tank/b", _parts.Datasets.Pools["tank"].Bootfs);
        Assert.Equal("tank/b@s", _parts.Datasets["tank/c"].Origin);
        Assert.Equal("tank/b", _parts.Mounts.TopAt("/lab")!.Dataset);
    }

    [Fact]
    public void Rollback_ToAnOlderSnapshot_RestoresItsTreeAndOnlyWithLaterOnesDestroyed()
    {
        var fs = _parts.Datasets["tank/a"];
        var older = _parts.Datasets["tank/a@s"].Root;
        fs.Root = older.With("new", DirNode.New(new NodeMeta(DirNode.DefaultMode, 0, 0, 50)));
        _parts.Datasets.Add("tank/a@later", isSnapshot: true, fs.Root, SimParts.Epoch);
        _parts.Datasets.Remove(_parts.Datasets["tank/c"]);

        Assert.Contains("more recent snapshots exist", Assert.Throws<ZfsCommandException>(() => _lifecycle.Rollback(new ZfsRollback("tank/a@s"))).StandardError);
        _lifecycle.Rollback(new ZfsRollback("tank/a@s", DestroyLater: true));

        Assert.Same(older, fs.Root);
        Assert.Null(_parts.Datasets.Find("tank/a@later"));
    }

    [Fact]
    public void SetBootfs_ASnapshot_IsRefusedAndAnEmptyNameClearsIt()
    {
        _parts.Datasets.Pools["tank"].Bootfs = "tank/a";

        Assert.Contains("no such pool or dataset", Assert.Throws<ZfsCommandException>(() => _lifecycle.SetBootfs(new ZpoolSetBootfs("tank", "tank/a@s"))).StandardError);
        Assert.Equal("tank/a", _parts.Datasets.Pools["tank"].Bootfs);
        _lifecycle.SetBootfs(new ZpoolSetBootfs("tank", ""));
        Assert.Null(_parts.Datasets.Pools["tank"].Bootfs);
    }
}
