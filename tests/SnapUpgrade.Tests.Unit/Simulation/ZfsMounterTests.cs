using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class ZfsMounterTests
{
    private readonly SimParts _parts = new();
    private readonly ZfsMounter _mounter;

    public ZfsMounterTests() => _mounter = new ZfsMounter(_parts.Datasets, _parts.Mounts, _parts.Paths, _parts.Tree);

    [Fact]
    public void TryMount_MissingMountPoint_MakesTheDirectoryAndMountsThere()
    {
        var ds = _parts.FileSystem("tank/a", ("mountpoint", "/mnt/deep/a"));

        Assert.Null(_mounter.TryMount(ds));

        Assert.Equal("/mnt/deep/a", _parts.Mounts.ZfsMountOf("tank/a")!.Target);
        Assert.IsType<DirNode>(_parts.Trees.Get(null, P("/mnt/deep/a")));
        Assert.Equal("cannot mount 'tank/a': filesystem already mounted", _mounter.TryMount(ds));
    }

    [Fact]
    public void TryMount_OverFiles_IsRefusedAndMountsNothing()
    {
        var ds = _parts.FileSystem("tank/a", ("mountpoint", "/full"));
        _parts.Tree.EnsureDirectory(P("/full"));
        _parts.Tree.WriteFile(P("/full/f"), "/full/f", [1], append: false);

        Assert.Equal("cannot mount '/full': directory is not empty", _mounter.TryMount(ds));
        Assert.False(_parts.Mounts.IsMounted("tank/a"));
    }

    [Fact]
    public void BusyBelow_ABindUnderAMount_NamesTheMountPointUnlessOnlyLeavingDatasetsAreBelow()
    {
        var top = _parts.FileSystem("tank/a", ("mountpoint", "/a"));
        var child = _parts.FileSystem("tank/a/b");
        _mounter.TryMount(top);
        _mounter.TryMount(child);

        Assert.Null(_mounter.BusyBelow([top, child]));
        Assert.Equal("/a", _mounter.BusyBelow([top]));

        _parts.Tree.EnsureDirectory(P("/a/b/bound"));
        _parts.Mounts.Add(Bind("/a/b/bound", null, ["a"]));

        Assert.Equal("/a", _mounter.BusyBelow([top, child]));
    }

    [Fact]
    public void Unmount_ForcedWithABindBelow_TakesBothDownWhereUnforcedIsBusy()
    {
        var ds = _parts.FileSystem("tank/a", ("mountpoint", "/a"));
        _mounter.TryMount(ds);
        _parts.Tree.EnsureDirectory(P("/a/b"));
        _parts.Mounts.Add(Bind("/a/b", null, ["x"]));

        var busy = Assert.Throws<ZfsCommandException>(() => _mounter.Unmount(new ZfsUnmount("tank/a")));
        _mounter.Unmount(new ZfsUnmount("/a", Force: true));

        Assert.True(busy.IsBusy);
        Assert.Empty(_parts.Mounts.Entries);
    }

    [Fact]
    public void Mount_CanmountOffOrLegacy_IsRefusedWithZfsWords()
    {
        _parts.FileSystem("tank/off", ("canmount", "off"), ("mountpoint", "/off"));
        _parts.FileSystem("tank/legacy", ("mountpoint", "legacy"));

        Assert.Contains("'canmount' property is set to 'off'", Assert.Throws<ZfsCommandException>(() => _mounter.Mount(new ZfsMount("tank/off"))).StandardError);
        Assert.Contains("legacy mountpoint", Assert.Throws<ZfsCommandException>(() => _mounter.Mount(new ZfsMount("tank/legacy"))).StandardError);
        Assert.Empty(_parts.Mounts.Entries);
    }
}
