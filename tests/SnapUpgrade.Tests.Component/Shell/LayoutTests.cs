using Bunit;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Layout;
using Xunit;

namespace SnapUpgrade.Tests.Component.Shell;

public sealed class LayoutTests : ComponentTest
{

    [Fact]
    public void NavMenu_Admin_LinksEveryPageAndAdmin()
    {
        Auth.SetPolicies("Admin");

        var cut = Render<NavMenu>();

        Assert.Equal(["", "bes", "zones", "shared", "upgrades", "audit", "admin"],
            cut.FindAll("a").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public void NavMenu_Operator_HasNoAdminLink()
    {
        SignIn("olga", "operator");

        var cut = Render<NavMenu>();

        Assert.Empty(cut.FindAll("[data-testid=nav-admin]"));
        Assert.NotNull(cut.Find("[data-testid=nav-audit]"));
    }

    [Fact]
    public void NavMenu_Auditor_LinksUpgrades()
    {
        SignIn("audrey", "auditor");

        var cut = Render<NavMenu>();

        Assert.Equal("upgrades", cut.Find("[data-testid=nav-upgrades]").GetAttribute("href"));
    }

    [Fact]
    public void SimulatedReboot_OperatorOrRealBackend_NotShown()
    {
        Engine.BackendName = "simulated";
        SignIn("olga", "operator");
        Assert.Empty(Render<SimulatedReboot>().FindAll("[data-testid=simulated-reboot]"));

        Engine.BackendName = "zfs";
        Auth.SetPolicies("Admin");
        Assert.Empty(Render<SimulatedReboot>().FindAll("[data-testid=simulated-reboot]"));
    }

    [Fact]
    public void SimulatedReboot_AdminConfirms_RunsRebootThroughTheAuditTrail()
    {
        Engine.BackendName = "simulated";
        Auth.SetPolicies("Admin");
        var dialogs = RenderProviders();
        var cut = Render<SimulatedReboot>();

        cut.Find("[data-testid=simulated-reboot]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("be-2026-02", dialogs.Markup), Wait);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Reboot").Click();

        cut.WaitForAssertion(() => Assert.Contains(Engine.Runs, r => r is { Operation: RebootHost, DryRun: false }), Wait);
        Assert.Equal("reboot", Assert.Single(Audit.Rows).Action);
        Assert.Equal(1, Stream.Nudges);
    }
}
