using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Pages.Shared;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class SharedLiveTests : ComponentTest
{

    [Fact]
    public void SharedPage_NothingPushedYet_ShowsLoading()
    {
        Stream.SeedFromEngine = false;

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=loading]")));
        Assert.Empty(cut.FindAll("[data-testid=health-matrix]"));
    }

    [Fact]
    public void SharedPage_NoSharedDataset_SaysSoAndMigrateSaysWhy()
    {
        Engine.State = HostStates.Demo() with { SharedDatasets = [] };

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=no-shared]")), Wait);
        Assert.Contains("run shared init first", cut.Find("[data-testid=migrate-be-test-reason]").GetAttribute("title"));
    }

    [Fact]
    public void SharedPage_Auditor_InitAndMigrateDisabledWithTheRole()
    {
        SignIn("ada", "auditor");

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=health-matrix]")), Wait);
        Assert.True(cut.Find("[data-testid=shared-init]").HasAttribute("disabled"));
        Assert.Equal("Auditors cannot initialise the shared datasets.", cut.Find("[data-testid=shared-init-reason]").GetAttribute("title"));
        Assert.Equal("Auditors cannot migrate shared directories.", cut.Find("[data-testid=migrate-be-test-reason]").GetAttribute("title"));
    }

    [Fact]
    public void SharedPage_Operator_InitAndMigrateDisabledWithTheRole()
    {
        SignIn("olga", "operator");

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=health-matrix]")), Wait);
        Assert.True(cut.Find("[data-testid=shared-init]").HasAttribute("disabled"));
        Assert.Equal("Operators cannot initialise the shared datasets.", cut.Find("[data-testid=shared-init-reason]").GetAttribute("title"));
        Assert.True(cut.Find("[data-testid=migrate-be-test]").HasAttribute("disabled"));
        Assert.Equal("Operators cannot migrate shared directories.", cut.Find("[data-testid=migrate-be-test-reason]").GetAttribute("title"));
    }

    [Fact]
    public void SharedPage_PushedChange_ReadsTheHealthAgain()
    {
        var cut = Render<SharedPage>();
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=health-matrix] tbody tr").Count), Wait);

        Engine.Health = new SharedHealthReport([Engine.Health.Entries[0]], DateTimeOffset.UnixEpoch);
        Stream.Push(HostStates.Demo() with { PoolHealth = "DEGRADED" });

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=health-matrix] tbody tr")), Wait);
    }

    [Fact]
    public void Migrate_Admin_RunsAndShowsTheReport()
    {
        Engine.RunReport = ["moved /var/log of be-test", "kept adm as adm.be-test"];
        var dialogs = RenderProviders();
        var cut = Render<SharedPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=migrate-be-test]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=migrate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("kept adm as adm.be-test", dialogs.Find("[data-testid=report]").TextContent), Wait);
        Assert.Contains(Engine.Runs, r => r is { Operation: MigrateShared { Name: "be-test" }, DryRun: false });
    }

    [Fact]
    public void SharedInit_Admin_ShowsThePlanFirst()
    {
        var dialogs = RenderProviders();
        var cut = Render<SharedPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=shared-init]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=shared-init]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("shared-init", dialogs.Find("[data-testid=dialog-plan]").TextContent), Wait);
        Assert.Equal([true], Engine.Runs.Select(r => r.DryRun));
    }
}
