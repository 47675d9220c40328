using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class ZfsPropertiesTests
{
    private readonly SimParts _parts = new();
    private readonly ZfsMounter _mounter;
    private readonly ZfsProperties _properties;

    public ZfsPropertiesTests()
    {
        _mounter = new ZfsMounter(_parts.Datasets, _parts.Mounts, _parts.Paths, _parts.Tree);
        _properties = new ZfsProperties(_parts.Datasets, _parts.Mounts, _mounter);
    }

    [Fact]
    public void Set_MountPointOfAMountedParent_RemountsItAndTheInheritingChildAtTheNewPlace()
    {
        var top = _parts.FileSystem("tank/a", ("mountpoint", "/old"));
        var child = _parts.FileSystem("tank/a/c");
        _mounter.TryMount(top);
        _mounter.TryMount(child);

        _properties.Set(new ZfsSet("tank/a", "mountpoint", "/new/"));

        Assert.Equal("/new", _parts.Mounts.ZfsMountOf("tank/a")!.Target);
        Assert.Equal("/new/c", _parts.Mounts.ZfsMountOf("tank/a/c")!.Target);
        Assert.Equal("/new", top.Local["mountpoint"]);
    }

    [Fact]
    public void Set_CanmountOff_Unmounts()
    {
        var ds = _parts.FileSystem("tank/a", ("mountpoint", "/a"));
        _mounter.TryMount(ds);

        _properties.Set(new ZfsSet("tank/a", "canmount", "off"));

        Assert.False(_parts.Mounts.IsMounted("tank/a"));
        Assert.Equal("off", ds.CanMount);
    }

    [Fact]
    public void Inherit_AUserProperty_RemovesTheLocalValueAndCanmountIsRefused()
    {
        var ds = _parts.FileSystem("tank/a", ("org.x:note", "hi"));

        _properties.Inherit(new ZfsInherit("tank/a", "org.x:note"));
        var error = Assert.Throws<ZfsCommandException>(() => _properties.Inherit(new ZfsInherit("tank/a", "canmount")));

        Assert.False(ds.Local.ContainsKey("org.x:note"));
        Assert.Contains("'canmount' property cannot be inherited", error.StandardError);
    }
}
