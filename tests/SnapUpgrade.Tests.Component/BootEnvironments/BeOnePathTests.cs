using Bunit;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Auth;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>
/// A click reaches the engine one way: through AuditedOperations, which audits it as the signed-in
/// user from this browser and nudges the watcher once; the page adds no nudge of its own.
/// </summary>
public sealed class BeOnePathTests : ComponentTest
{
    [Fact]
    public void Activate_Confirmed_IsAuditedAsTheUserFromThisBrowserAndNudgesOnce()
    {
        Services.GetRequiredService<CurrentActor>().ClientAddress = "10.0.0.7";
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        var before = Stream.Nudges;

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("Activated be-test", snackbars.Markup), Wait);
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=dialog-confirm]")), Wait);
        Assert.Contains(Engine.Runs, r => r is { Operation: ActivateBe { Name: "be-test" }, DryRun: false });
        Assert.Equal(1, Stream.Nudges - before);
        var row = Assert.Single(Audit.Rows, r => r is { Action: "activate", DryRun: false });
        Assert.Equal(("alice", "console 10.0.0.7"), (row.Actor, row.Source));
    }
}
