using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Components.Pages.Overview;
using SnapUpgrade.Web.Components.Pages.Shared;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

/// <summary>A host laid out by a distribution's guide or another BE tool, as the overview and the Shared page show it.</summary>
public sealed class LayoutDisplayTests : ComponentTest
{
    private static readonly HostLayout Guide = new(LayoutKind.RootOnZfsGuide,
        ["1 boot environment(s) in rpool/ROOT", "/var/log is its own dataset rpool/var/log"], [new SharedByDataset("log", "rpool/var/log")]);

    [Fact]
    public void PoolSummary_GuideLayout_ShowsItsNameAndWhatToldSo()
    {
        var state = HostStates.With(HostStates.Be("debian", booted: true)) with { Layout = Guide };

        var cut = Render<PoolSummary>(p => p.Add(s => s.State, state));

        var layout = cut.Find("[data-testid=host-layout]");
        Assert.Equal("Layout: OpenZFS root-on-ZFS guide (Debian/Ubuntu)", layout.TextContent.Trim());
        Assert.Equal("1 boot environment(s) in rpool/ROOT; /var/log is its own dataset rpool/var/log", layout.GetAttribute("title"));
    }

    [Fact]
    public void BeTable_AdoptedBes_SayWhoMadeThem()
    {
        IReadOnlyList<BootEnvironment> bes =
        [
            HostStates.Be("ubuntu_k7d3x1") with { Uuid = null, MadeBy = "zsys" },
            HostStates.Be("default") with { Uuid = null },
            HostStates.Be("be2"),
        ];

        var cut = Render<BeTable>(p => p.Add(t => t.BootEnvironments, bes));

        Assert.Equal(["made by zsys", "made by another tool"], cut.FindAll("[data-testid=be-made-by]").Select(e => e.TextContent.Trim()));
    }

    [Fact]
    public void SharedDirChip_OwnDataset_IsOkAndNamesTheDataset()
    {
        var cut = Render<SharedDirChip>(p => p.Add(c => c.Health, new SharedDirHealth("log", SharedDirState.OwnDataset, null, "rpool/var/log")));

        var chip = cut.Find("[data-testid=dir-state]");
        Assert.Equal("ok (own dataset)", chip.TextContent.Trim());
        Assert.Equal("shared by its own dataset rpool/var/log, mounted here", chip.GetAttribute("title"));
        Assert.Contains("mud-chip-color-success", chip.ClassName, StringComparison.Ordinal);
    }

    [Fact]
    public void SharedDatasetTable_OwnDataset_SaysWhichDirectoryItShares()
    {
        IReadOnlyList<SharedDataset> datasets =
            [new SharedDataset(null, "rpool/var/log", "/var/log", "/var/log", 1 << 20, 1 << 20, Directory: "log")];

        var cut = Render<SharedDatasetTable>(p => p.Add(t => t.Datasets, datasets));

        Assert.Equal("shares /var/log by itself", cut.Find("[data-testid=shared-own-directory]").TextContent.Trim());
    }

    [Fact]
    public void SharedReading_AllOwnDataset_SummedAsOkOwnDataset()
    {
        var entry = new BeSharedHealth("debian", null, "rpool/ROOT/debian",
            [new SharedDirHealth("log", SharedDirState.OwnDataset, null, "rpool/var/log")], CheckedAt: HostStates.T0);

        Assert.Equal(("ok (own dataset)", true), (SharedReading.Summary(entry), entry.AllOk));
    }
}
