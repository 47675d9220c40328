using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>A pool's layout is found from its datasets, never from its name.</summary>
public sealed class HostLayoutTests
{
    private static ZfsDataset Fs(string name, string? mountPoint, string canMount = "on", string? uuid = null, string? madeBy = null) => new()
    {
        Name = name, Kind = DatasetKind.Filesystem, MountPoint = mountPoint, Mounted = canMount == "on", CanMount = canMount,
        Uuid = uuid, MadeBy = madeBy,
    };

    private static HostState Read(string pool, params ZfsDataset[] datasets) => HostStateReader.Read(
        new PoolListing(new PoolInfo(pool, "ONLINE", $"{pool}/ROOT/a", null, "1", 100, 40, 60),
            [Fs(pool, "none", "off"), Fs($"{pool}/ROOT", "none", "off"), Fs($"{pool}/ROOT/a", "/", "noauto"), .. datasets]),
        DateTimeOffset.UnixEpoch);

    [Fact]
    public void Recognise_DebianGuideOnAPoolNamedZroot_IsTheGuideWithItsOwnDatasets()
    {
        var state = Read("zroot", Fs("zroot/var", "/var", "off"), Fs("zroot/var/log", "/var/log"), Fs("zroot/var/mail", "/var/mail"),
            Fs("zroot/var/cache", "/var/cache"), Fs("zroot/home", "/home"));

        Assert.Equal(LayoutKind.RootOnZfsGuide, state.Layout.Kind);
        Assert.Equal([new SharedByDataset("log", "zroot/var/log"), new SharedByDataset("mail", "zroot/var/mail")], state.Layout.OwnDatasets);
        Assert.Equal([("log", "zroot/var/log"), ("mail", "zroot/var/mail")], state.SharedDatasets.Select(s => (s.Directory, s.Dataset)));
        Assert.Contains("/var/log is its own dataset zroot/var/log", state.Layout.Evidence);
    }

    [Fact]
    public void Recognise_FreeBsdOnAPoolNamedRpool_IsFreeBsd()
    {
        var state = Read("rpool", Fs("rpool/usr", "/usr", "off"), Fs("rpool/usr/home", "/usr/home"), Fs("rpool/var", "/var", "off"),
            Fs("rpool/var/log", "/var/log"), Fs("rpool/var/crash", "/var/crash"));

        Assert.Equal(LayoutKind.FreeBsd, state.Layout.Kind);
        Assert.Equal("rpool/var/log", state.Layout.OwnDatasetOf("log"));
    }

    [Fact]
    public void Recognise_Varshare_IsIllumosAndTheSharedDatasetOfThatLayout()
    {
        var state = Read("tank", Fs("tank/VARSHARE", "/var/share"), Fs("tank/export", "/export"));

        Assert.Equal(LayoutKind.Illumos, state.Layout.Kind);
        Assert.Equal(("tank/VARSHARE", null), (Assert.Single(state.SharedDatasets).Dataset, state.SharedDatasets[0].Directory));
    }

    [Fact]
    public void Recognise_ZsysBeWithChildren_IsZsysAndItsVarLogIsNoSharedDataset()
    {
        var state = Read("p", Fs("p/ROOT/a/var", "/var", "off"), Fs("p/ROOT/a/var/log", "/var/log"),
            Fs("p/USERDATA", "/", "off"), Fs("p/USERDATA/root_x", "/root"));

        Assert.Equal(LayoutKind.Zsys, state.Layout.Kind);
        Assert.Empty(state.Layout.OwnDatasets);
        Assert.Equal(["var", "var/log"], state.Find("a")!.Children.Select(c => c.RelativeName));
    }

    [Fact]
    public void Recognise_BeOfAnotherToolWithNothingElse_IsOtherToolAndTheBeAdopted()
    {
        var state = Read("p");

        Assert.Equal(LayoutKind.OtherTool, state.Layout.Kind);
        Assert.True(state.Find("a")!.IsAdopted);
    }

    [Fact]
    public void Recognise_ZectlMarkOnTheContainer_SaysZectlMadeItsBes()
    {
        var state = HostStateReader.Read(new PoolListing(new PoolInfo("p", "ONLINE", null, null, "1", 1, 1, 0),
            [Fs("p", "none", "off"), Fs("p/ROOT", "none", "off", madeBy: "zectl"), Fs("p/ROOT/a", "/", "noauto"), Fs("p/ROOT/b", "/", "noauto", uuid: "u")]),
            DateTimeOffset.UnixEpoch);

        Assert.Equal(("zectl", (string?)null), (state.Find("a")!.MadeBy, state.Find("b")!.MadeBy));
    }

    [Fact]
    public void Recognise_ConsoleLayout_IsSnapUpgradeWithNoOwnDatasets()
    {
        var adoptedWithVarshared = Read("p", Fs("p/VARSHARED", "/var/shared"));
        var console = HostStateReader.Read(new PoolListing(new PoolInfo("p", "ONLINE", null, null, "1", 1, 1, 0),
            [Fs("p", "none", "off"), Fs("p/ROOT", "none", "off"), Fs("p/ROOT/a", "/", "noauto", uuid: "u"), Fs("p/VARSHARED", "/var/shared")]),
            DateTimeOffset.UnixEpoch);

        Assert.Equal(LayoutKind.SnapUpgrade, adoptedWithVarshared.Layout.Kind);
        Assert.Equal(LayoutKind.SnapUpgrade, console.Layout.Kind);
        Assert.Empty(console.Layout.OwnDatasets);
    }

    [Fact]
    public void Recognise_NoBeContainer_IsNone()
    {
        var state = HostStateReader.Read(new PoolListing(new PoolInfo("p", "ONLINE", null, null, "1", 1, 1, 0), [Fs("p", "none", "off")]),
            DateTimeOffset.UnixEpoch);

        Assert.Equal(LayoutKind.None, state.Layout.Kind);
    }
}
