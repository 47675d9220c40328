using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class DatasetTableTests
{
    [Fact]
    public void Add_ThreeDatasets_HandsOutIncreasingTxgsAndCopiesTheProperties()
    {
        var parts = new SimParts();
        var props = new Dictionary<string, string> { ["canmount"] = "noauto" };

        var a = parts.Datasets.Add("tank/a", isSnapshot: false, DirNode.Empty, SimParts.Epoch, local: props);
        var b = parts.FileSystem("tank/b");
        props["canmount"] = "off";

        Assert.True(a.Txg < b.Txg);
        Assert.Equal(b.Txg, parts.Datasets.Txg);
        Assert.Equal("noauto", a.CanMount);
    }

    [Fact]
    public void EffectiveMountPoint_Inherited_AppendsNamesAndKeepsNoneAndLegacy()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/ROOT", ("mountpoint", "/"));
        var be = parts.FileSystem("tank/ROOT/be1");
        parts.FileSystem("tank/legacy", ("mountpoint", "legacy"));
        var below = parts.FileSystem("tank/legacy/x");
        var plain = parts.FileSystem("tank/plain");

        Assert.Equal("/be1", parts.Datasets.EffectiveMountPoint(be));
        Assert.Equal("legacy", parts.Datasets.EffectiveMountPoint(below));
        // The pool's root says none: a child inherits none as it is, with no name appended.
        Assert.Equal("none", parts.Datasets.EffectiveMountPoint(plain));
    }

    [Fact]
    public void InheritingMountPoint_ChildWithItsOwnMountPoint_IsLeftOutWithItsChildren()
    {
        var parts = new SimParts();
        var top = parts.FileSystem("tank/a", ("mountpoint", "/a"));
        parts.FileSystem("tank/a/follows");
        parts.FileSystem("tank/a/own", ("mountpoint", "/elsewhere"));
        parts.FileSystem("tank/a/own/deep");

        var names = parts.Datasets.InheritingMountPoint(top).Select(d => d.Name);

        Assert.Equal(["tank/a", "tank/a/follows"], names);
    }

    [Fact]
    public void IsReadOnly_SetOnAnAncestor_HoldsBelowUntilAChildSetsItOff()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/ro", ("readonly", "on"));
        parts.FileSystem("tank/ro/child");
        parts.FileSystem("tank/ro/rw", ("readonly", "off"));

        Assert.True(parts.Datasets.IsReadOnly("tank/ro/child"));
        Assert.False(parts.Datasets.IsReadOnly("tank/ro/rw"));
        Assert.False(parts.Datasets.IsReadOnly("tank"));
    }

    [Fact]
    public void Rename_SnapshotWithACloneAndBootfs_MovesTheOriginAndTheBootfsAlong()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        var snap = parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, SimParts.Epoch);
        var clone = parts.Datasets.Add("tank/c", isSnapshot: false, fs.Root, SimParts.Epoch, origin: "tank/a@s");
        parts.Datasets.Pools["tank"].Bootfs = "tank/a";

        parts.Datasets.Rename(snap, "tank/a@t");
        parts.Datasets.Rename(fs, "tank/b");

        Assert.Equal("tank/a@t", clone.Origin);
        Assert.Equal("tank/b", parts.Datasets.Pools["tank"].Bootfs);
        Assert.Null(parts.Datasets.Find("tank/a"));
        Assert.Same(fs, parts.Datasets["tank/b"]);
    }

    [Fact]
    public void Remove_TheBootfs_ClearsItAndSubtreeNoLongerListsIt()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        parts.FileSystem("tank/a/b");
        parts.Datasets.Pools["tank"].Bootfs = "tank/a/b";

        parts.Datasets.Remove(parts.Datasets["tank/a/b"]);

        Assert.Null(parts.Datasets.Pools["tank"].Bootfs);
        Assert.Equal([fs], parts.Datasets.Subtree("tank/a"));
    }

    [Fact]
    public void Subtree_FileSystemsAndSnapshots_ParentsFirstThenSnapshotsInCreationOrder()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        parts.FileSystem("tank/a/child");
        parts.Datasets.Add("tank/a@2", isSnapshot: true, fs.Root, SimParts.Epoch);
        parts.Datasets.Add("tank/a@1", isSnapshot: true, fs.Root, SimParts.Epoch);
        parts.FileSystem("tank/ab");

        var names = parts.Datasets.Subtree("tank/a").Select(d => d.Name);

        Assert.Equal(["tank/a", "tank/a@2", "tank/a@1", "tank/a/child"], names);
    }
}
