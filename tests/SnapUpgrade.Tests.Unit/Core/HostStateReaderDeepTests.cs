using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>Deep BEs in the host state: a BE's descendants are its children, never BEs; zone data below it is kept apart.</summary>
public sealed class HostStateReaderDeepTests
{
    private static ZfsDataset Fs(string name, string? mountPoint, bool mounted = false, string canMount = "noauto",
        string? origin = null, string? parent = null) => new()
        {
            Name = name, Kind = DatasetKind.Filesystem, MountPoint = mountPoint, Mounted = mounted, CanMount = canMount,
            Origin = origin, ParentBe = parent,
        };

    private static readonly PoolListing Listing = new(
        new PoolInfo("rpool", "ONLINE", "rpool/ROOT/a", null, "1", 100, 40, 60),
        [
            Fs("rpool", "/rpool"), Fs("rpool/ROOT", "none", canMount: "off"),
            Fs("rpool/ROOT/a", "/", mounted: true),
            Fs("rpool/ROOT/a/usr", "/usr", mounted: true, canMount: "on"),
            Fs("rpool/ROOT/a/var", "/var", canMount: "off"),
            Fs("rpool/ROOT/a/var/lib", "/var/lib", mounted: true, canMount: "on"),
            new ZfsDataset { Name = "rpool/ROOT/a/var/lib@s1", Kind = DatasetKind.Snapshot, ConsoleMade = "on" },
            Fs("rpool/ROOT/a/home", "/export/home", mounted: true, canMount: "on"),
            Fs("rpool/ROOT/b", "/mnt/b", mounted: true),
            Fs("rpool/ROOT/b/var", "/mnt/b/var", canMount: "off", origin: "rpool/ROOT/a/var@s1"),
            Fs("rpool/ROOT/b/var/lib", "/mnt/b/var/lib", mounted: true, origin: "rpool/ROOT/a/var/lib@s1"),
            Fs("rpool/ROOT/b/zones", "/mnt/b/zones"),
            Fs("rpool/ROOT/b/zones/web", "/zones/web"),
            Fs("rpool/ROOT/b/srv", "/srv/zone", parent: "u-a"),
        ]);

    private readonly HostState _state = HostStateReader.Read(Listing, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Read_DeepBes_ListsOnlyRootsAsBes()
    {
        Assert.Equal(["a", "b"], _state.BootEnvironments.Select(b => b.Name).Order());
    }

    [Fact]
    public void Read_Children_ParentsFirstWithTheirMountStateAndSnapshots()
    {
        var a = _state.Find("a")!;
        Assert.Equal(["home", "usr", "var", "var/lib"], a.Children.Select(c => c.RelativeName));
        Assert.Equal(["/export/home", "/usr", null, "/var/lib"], a.Children.Select(c => c.MountedAt));
        Assert.Equal("on", a.Children[1].CanMount);
        Assert.Equal("rpool/ROOT/a/var/lib@s1", Assert.Single(a.Children[3].Snapshots).Name);
        Assert.Contains(_state.AllSnapshots, s => s.Name == "rpool/ROOT/a/var/lib@s1" && s.Clones.Single() == "rpool/ROOT/b/var/lib");
        Assert.Equal("rpool/ROOT/a/var/lib@s1", _state.Find("b")!.Children.Single(c => c.RelativeName == "var/lib").Origin);
    }

    [Fact]
    public void Read_MountPoints_InheritedUnlessTheirOwn()
    {
        Assert.Equal([false, true, true, true], _state.Find("a")!.Children.Select(c => c.InheritsMountPoint));
        Assert.All(_state.Find("b")!.Children, c => Assert.True(c.InheritsMountPoint, c.Dataset));
    }

    [Fact]
    public void Read_ZoneDataBelowABe_IsNoChildOfIt()
    {
        var b = _state.Find("b")!;
        Assert.Equal(["var", "var/lib"], b.Children.Select(c => c.RelativeName));
        Assert.Equal(["rpool/ROOT/b/srv", "rpool/ROOT/b/zones", "rpool/ROOT/b/zones/web"], b.ZoneDatasetsBelow);
        Assert.Empty(_state.Find("a")!.ZoneDatasetsBelow);
        Assert.Empty(_state.Zones);
    }

    [Theory]
    [InlineData("/export/home", "/", "/", "/export/home")]
    [InlineData("/mnt/b/export/home", "/mnt/b", "/", "/export/home")]
    [InlineData("/export/home", "/", "/a", "/a/export/home")]
    [InlineData("/mnt/b", "/mnt/b", "/", "/")]
    [InlineData("/elsewhere", "/mnt/b", "/", "/elsewhere")]
    [InlineData("/mnt/bb/x", "/mnt/b", "/", "/mnt/bb/x")]
    public void Relocate_APathBelowOneRoot_IsTheSamePathBelowAnother(string path, string from, string to, string expected)
    {
        Assert.Equal(expected, BeTree.Relocate(path, from, to));
    }
}
