using Bunit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Pages.Overview;
using SnapUpgrade.Web.Components.Pages.Shared;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

/// <summary>
/// Reading shared health never mounts anything: the pages say per BE when what they show was read
/// (now, at the last check, or never), and "Check now" is an audited operation for operators and admins.
/// </summary>
public sealed class SharedHealthCheckTests : ComponentTest
{

    private static string ReadAt(AngleSharp.Dom.IElement row) => row.QuerySelector("[data-testid=read-at]")!.TextContent.Trim();

    [Fact]
    public void SharedPage_EachBe_SaysWhenItsDirectoriesWereRead()
    {
        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=health-row]").Count), Wait);
        var rows = cut.FindAll("[data-testid=health-row]");
        Assert.Equal("read now (mounted)", ReadAt(rows[0]));
        Assert.Equal("not checked yet", ReadAt(rows[1]));
        Assert.Equal("checked 12 minutes ago", ReadAt(rows[2]));
        Assert.Equal("2026-01-10 08:48 UTC", rows[2].QuerySelector("[data-testid=read-at]")!.GetAttribute("title"));
        Assert.Equal("not read", ReadAt(rows[3]));
    }

    [Fact]
    public void SharedPage_Viewed_RunsNoOperationAndWritesNoAuditRow()
    {
        var cut = Render<SharedPage>();
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=health-row]").Count), Wait);

        Stream.Push(HostStates.Demo() with { PoolHealth = "DEGRADED" });

        cut.WaitForAssertion(() => Assert.Equal(2, Engine.HealthReads), Wait);
        Assert.Empty(Engine.Runs);
        Assert.Empty(Audit.Rows);
    }

    [Fact]
    public void CheckNow_Operator_ReviewsThePlanConfirmsAndShowsTheNewReport()
    {
        SignIn("olga", "operator");
        var dialogs = RenderProviders();
        var cut = Render<SharedPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=shared-check]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=shared-check]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("shared-check", dialogs.Find("[data-testid=dialog-plan]").TextContent), Wait);
        Assert.Contains("mounted for a moment", dialogs.Find("[data-testid=dialog-body]").TextContent);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal("checked just now", ReadAt(cut.FindAll("[data-testid=health-row]")[1])), Wait);
        Assert.Equal(["ok", "ok", "ok", "ok"],
            cut.FindAll("[data-testid=health-row]")[1].QuerySelectorAll("[data-testid=dir-state]").Select(e => e.TextContent.Trim()));
        Assert.Equal([true, false], Engine.Runs.Where(r => r.Operation is CheckSharedHealth).Select(r => r.DryRun));
        Assert.Equal([("shared-check", true, "operator"), ("shared-check", false, "operator")],
            Audit.Rows.Select(r => (r.Action, r.DryRun, r.Role)));
    }

    [Fact]
    public void CheckNow_Auditor_IsDisabledAndSaysWhy()
    {
        SignIn("ada", "auditor");

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=shared-check]").HasAttribute("disabled")), Wait);
        Assert.Equal("Auditors cannot run a shared-health check: it mounts boot environments for a moment.",
            cut.Find("[data-testid=shared-check-reason]").GetAttribute("title"));
        Assert.Empty(Engine.Runs);
    }

    [Fact]
    public void Migrate_BootedBe_IsDisabledWithTheEnginesReason()
    {
        var refusal = new MigrateShared("be-2026-01").Validate(Engine.State)!;
        Assert.Equal(ErrorCode.MigrateBootedBe, refusal.Code);

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=migrate-be-2026-01]").HasAttribute("disabled")), Wait);
        Assert.Equal(refusal.Message, cut.Find("[data-testid=migrate-be-2026-01-reason]").GetAttribute("title"));
        Assert.Contains("Create a boot environment from it, migrate that one, activate it and reboot", refusal.Message);
        Assert.False(cut.Find("[data-testid=migrate-be-test]").HasAttribute("disabled"));
    }

    [Fact]
    public void OverviewCard_EachBe_ShowsItsStateAndWhenItWasRead()
    {
        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=shared-glance-entry]").Count), Wait);
        var rows = cut.FindAll("[data-testid=shared-glance-entry]");
        Assert.Equal(["ok", null, "4 not migrated", "could not inspect"],
            rows.Select(r => r.QuerySelector("[data-testid=shared-glance-summary]")?.TextContent.Trim()));
        Assert.Equal(["read now (mounted)", "not checked yet", "checked 12 minutes ago", "not read"], rows.Select(ReadAt));
        Assert.Equal("1 not checked", cut.Find("[data-testid=shared-not-checked]").TextContent.Trim());
    }

    [Fact]
    public void OverviewCard_CheckNowAsAdmin_ShowsTheCheckedReport()
    {
        var dialogs = RenderProviders();
        var cut = Render<OverviewPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=shared-glance-check]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=shared-glance-check]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal("12 ok", cut.Find("[data-testid=shared-ok]").TextContent.Trim()), Wait);
        Assert.Empty(cut.FindAll("[data-testid=shared-not-checked]"));
        Assert.Contains(Engine.Runs, r => r is { Operation: CheckSharedHealth, DryRun: false });
    }

    [Fact]
    public void OverviewCard_Auditor_CheckNowIsDisabledAndSaysWhy()
    {
        SignIn("ada", "auditor");

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=shared-glance-check]").HasAttribute("disabled")), Wait);
        Assert.StartsWith("Auditors cannot run a shared-health check",
            cut.Find("[data-testid=shared-glance-check-reason]").GetAttribute("title"));
    }
}
