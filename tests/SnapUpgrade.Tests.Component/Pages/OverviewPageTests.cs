using Bunit;
using SnapUpgrade.Web.Components.Pages.Overview;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class OverviewPageTests : ComponentTest
{
    [Fact]
    public void OverviewPage_DemoState_RendersNamesAndBeadmFlags()
    {
        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(
            ["be-2026-01", "be-2026-02", "be-test"],
            cut.FindAll("[data-testid=be-name]").Select(e => e.TextContent)));
        Assert.Equal(["N", "R", ""], cut.FindAll("[data-testid=be-flags]").Select(e => e.TextContent));
        Assert.Equal("rpool", cut.Find("[data-testid=pool]").TextContent);
        Assert.Equal("ONLINE", cut.Find("[data-testid=pool-health]").TextContent.Trim());
        Assert.Contains("5G used of 20G", cut.Find("[data-testid=pool-space]").TextContent);
    }

    [Fact]
    public void OverviewPage_1000Bes_ShowsTheFlaggedAndTheNewestTenAndLinksToAll()
    {
        // be1 booted (oldest), be500 active on reboot, be2..be1000 created one a minute after the other.
        Engine.State = HostStates.With([.. Enumerable.Range(1, 1000).Select(i =>
            HostStates.Be($"be{i}", booted: i == 1, onReboot: i == 500) with { Created = HostStates.T0.AddMinutes(i) })]);

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(
            ["be1000", "be999", "be998", "be997", "be996", "be995", "be994", "be993", "be500", "be1"],
            cut.FindAll("[data-testid=be-name]").Select(e => e.TextContent)));
        Assert.Contains("10 of 1000", cut.Find("[data-testid=be-glance]").TextContent);
        Assert.Equal("/bes", cut.Find("[data-testid=be-glance] a").GetAttribute("href"));
    }

    [Fact]
    public void OverviewPage_BootedAndActiveAreOneBe_ShowsNR()
    {
        Engine.State = HostStates.With(HostStates.Be("solo", booted: true, onReboot: true), HostStates.Be("next", nextBoot: true));

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(["NR", "T"], cut.FindAll("[data-testid=be-flags]").Select(e => e.TextContent)));
    }

    [Fact]
    public void OverviewPage_EngineThrows_ShowsErrorInsteadOfCrashing()
    {
        Engine.Failure = new IOException("cannot open 'rpool': pool I/O is currently suspended");

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Contains("pool I/O is currently suspended",
            cut.Find("[data-testid=load-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=be-table]"));
    }

    [Fact]
    public void OverviewPage_RefreshAfterChange_ShowsTheNewState()
    {
        var cut = Render<OverviewPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=be-name]").Count));

        Engine.State = HostStates.With(HostStates.Be("fresh", booted: true, onReboot: true));
        cut.Find("[data-testid=refresh]").Click();

        cut.WaitForAssertion(() => Assert.Equal(["fresh"], cut.FindAll("[data-testid=be-name]").Select(e => e.TextContent)));
        Assert.Equal(2, Engine.Reads);
    }

    [Fact]
    public void OverviewPage_ErrorAfterGoodRead_KeepsLastDataUnderTheError()
    {
        var cut = Render<OverviewPage>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=be-name]").Count));

        Engine.Failure = new InvalidOperationException("zfs list failed");
        cut.Find("[data-testid=refresh]").Click();

        cut.WaitForAssertion(() => Assert.Contains("zfs list failed", cut.Find("[data-testid=load-error]").TextContent));
        Assert.Equal(3, cut.FindAll("[data-testid=be-name]").Count);
    }
}
