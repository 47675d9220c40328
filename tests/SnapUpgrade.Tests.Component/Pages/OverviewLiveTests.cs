using Bunit;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Web.Components.Pages.Overview;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class OverviewLiveTests : ComponentTest
{

    [Fact]
    public void OverviewPage_NothingPushedYet_ShowsLoading()
    {
        Stream.SeedFromEngine = false;

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=loading]")));
        Assert.Empty(cut.FindAll("[data-testid=pool]"));
    }

    [Fact]
    public void OverviewPage_Auditor_SeesTheHostButNoActionOtherThanRefresh()
    {
        SignIn("ada", "auditor");

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=be-name]").Count), Wait);
        // Check now is there, disabled and saying why; Refresh is the one button an auditor can use.
        Assert.Equal(["refresh", "shared-glance-check"], cut.FindAll("button").Select(b => b.GetAttribute("data-testid")));
        Assert.Equal(["refresh"], cut.FindAll("button:not([disabled])").Select(b => b.GetAttribute("data-testid")));
        Assert.Empty(cut.FindAll("form"));
        Assert.Empty(cut.FindAll("[data-testid=load-error]"));
    }

    [Fact]
    public void OverviewPage_PushedChange_RerendersWithoutRefresh()
    {
        var cut = Render<OverviewPage>();
        cut.WaitForAssertion(() => Assert.Contains("be-2026-02", cut.Find("[data-testid=active-on-reboot]").TextContent), Wait);

        Stream.Push(HostStates.With(HostStates.Be("be-2026-01", booted: true), HostStates.Be("be-new", onReboot: true)));

        cut.WaitForAssertion(() => Assert.Contains("be-new", cut.Find("[data-testid=active-on-reboot]").TextContent), Wait);
        Assert.Equal(1, Engine.Reads); // the page read nothing itself: the stream brought it
    }

    [Fact]
    public void OverviewPage_BootLoader_ShowsItAndTheBesWithoutAnEntry()
    {
        var bes = HostStates.With(HostStates.Be("be1", booted: true, onReboot: true) with { HasLoaderEntry = true },
            HostStates.Be("be2") with { HasLoaderEntry = false });
        Engine.State = bes with { BootLoader = "grub" };

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal("Boot loader: grub (no entry for be2)", cut.Find("[data-testid=boot-loader]").TextContent.Trim()), Wait);
    }

    [Fact]
    public void OverviewPage_NoBootEnvironments_SaysSo()
    {
        Engine.State = HostStates.With();

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-bes]")), Wait);
        Assert.NotNull(cut.Find("[data-testid=space-chart-empty]"));
    }

    [Fact]
    public void OverviewPage_StreamFails_ShowsTheError()
    {
        Stream.SeedFromEngine = false;
        var cut = Render<OverviewPage>();

        Stream.Fail("cannot open 'rpool'");

        cut.WaitForAssertion(() => Assert.Contains("cannot open 'rpool'", cut.Find("[data-testid=load-error]").TextContent), Wait);
        Assert.Empty(cut.FindAll("[data-testid=loading]"));
    }

    [Fact]
    public void OverviewPage_DemoHost_CountsSharedDirectoriesByState()
    {
        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal("4 ok", cut.Find("[data-testid=shared-ok]").TextContent.Trim()), Wait);
        Assert.Equal("4 not migrated", cut.Find("[data-testid=shared-not-migrated]").TextContent.Trim());
        Assert.Equal("0 missing", cut.Find("[data-testid=shared-missing]").TextContent.Trim());
    }

    [Fact]
    public async Task OverviewPage_Activations_ShowsTheNewestRealOnes()
    {
        for (var i = 1; i <= 7; i++)
            await Audit.AppendAsync(new AuditRecord
            {
                Actor = "bob", Role = "operator", Action = i % 2 == 0 ? "activate-once" : "activate",
                Target = $"be-{i}", FromBe = "be-0", ToBe = $"be-{i}", Outcome = "succeeded"
            }, Xunit.TestContext.Current.CancellationToken);
        await Audit.AppendAsync(new AuditRecord
        {
            Actor = "bob", Role = "operator", Action = "activate", Target = "dry",
            ToBe = "dry", DryRun = true, Outcome = "succeeded"
        }, Xunit.TestContext.Current.CancellationToken);

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=activation]").Count), Wait);
        var rows = cut.FindAll("[data-testid=activation]");
        Assert.Contains("be-7", rows[0].TextContent);
        Assert.Contains("be-3", rows[4].TextContent);
        Assert.DoesNotContain(rows, r => r.TextContent.Contains("dry"));
    }

    [Fact]
    public void OverviewPage_NoActivations_SaysSo()
    {
        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-activations]")), Wait);
    }

    [Fact]
    public void OverviewPage_DescriptionWithScript_ShowsItAsText()
    {
        Engine.State = HostStates.With(HostStates.Be("x", booted: true, onReboot: true, description: "<script>alert(1)</script>"));

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Contains("<script>alert(1)</script>", cut.Find("[data-testid=be-table]").TextContent), Wait);
        Assert.Empty(cut.FindAll("[data-testid=be-table] script"));
    }
}
