using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class HostStateReaderTests
{
    private static ZfsDataset Fs(string name, string? mountPoint = null, bool mounted = false, string? origin = null,
        string? uuid = null, string? parent = null, string? active = null, string? nextBoot = null) => new()
        {
            Name = name, Kind = DatasetKind.Filesystem, MountPoint = mountPoint, Mounted = mounted, Origin = origin,
            Uuid = uuid, ParentBe = parent, Active = active, NextBoot = nextBoot, CanMount = "noauto",
        };

    private static ZfsDataset Snap(string name, string? made = null) => new() { Name = name, Kind = DatasetKind.Snapshot, ConsoleMade = made };

    private static readonly PoolListing Listing = new(
        new PoolInfo("rpool", "ONLINE", "rpool/ROOT/b", null, "1", 100, 40, 60),
        [
            Fs("rpool"), Fs("rpool/ROOT", "none", nextBoot: "c"),
            Fs("rpool/ROOT/a", "/", mounted: true, uuid: "u-a"),
            Snap("rpool/ROOT/a@s1", made: "on"),
            Fs("rpool/ROOT/b", "/", origin: "rpool/ROOT/a@s1", uuid: "u-b"),
            Fs("rpool/ROOT/c", "/mnt/c", mounted: true, origin: "rpool/ROOT/a@s1", uuid: "u-c"),
            Fs("rpool/VARSHARED", "/var/shared", mounted: true),
            Fs("rpool/zones"), Fs("rpool/zones/web", "/zones/web", mounted: true), Fs("rpool/zones/web/ROOT", "none"),
            Fs("rpool/zones/web/ROOT/a", "/zones/web/root", mounted: true, parent: "u-a", active: "off"),
            Fs("rpool/zones/web/ROOT/b", "/zones/web/root", parent: "u-b", active: "on"),
            Fs("rpool/zones/web/ROOT/gone", "/zones/web/root", parent: "u-deleted", active: "off"),
            Fs("rpool/zones/web/VARSHARED", "/zones/web/root/var/shared", mounted: true),
        ]);

    private readonly HostState _state = HostStateReader.Read(Listing, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Read_Flags_FollowMountBootfsAndNextBoot()
    {
        Assert.Equal(["N", "R", "T"], _state.BootEnvironments.Select(b => b.Flags));
        Assert.Equal("a", _state.Booted?.Name);
        Assert.Equal("c", _state.BootTarget?.Name);
        Assert.Equal("/mnt/c", _state.Find("c")!.MountedAt);
    }

    [Fact]
    public void Read_Snapshots_KnowTheirClones()
    {
        var s1 = Assert.Single(_state.Find("a")!.Snapshots);
        Assert.Equal(["rpool/ROOT/b", "rpool/ROOT/c"], s1.Clones.Order());
        Assert.True(s1.ConsoleMade);
    }

    [Fact]
    public void Read_ZoneBes_LinkToTheirGlobalBeByUuidOrAreOrphaned()
    {
        var web = _state.FindZone("web")!;
        Assert.Equal(3, web.BootEnvironments.Count);
        Assert.Equal("b", web.BootEnvironments.Single(z => z.Active).ParentBeName);
        Assert.True(web.BootEnvironments.Single(z => z.Name == "gone").IsOrphaned);
        Assert.Equal("rpool/zones/web/ROOT/a", Assert.Single(_state.Find("a")!.ZoneBes).Dataset);
        Assert.Equal(["rpool/VARSHARED", "rpool/zones/web/VARSHARED"], _state.SharedDatasets.Select(s => s.Dataset));
        Assert.True(_state.HasZonesContainer);
    }
}
