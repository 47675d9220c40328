using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>A BE booted on trial: the row says so, Activate reads Keep, Go back runs <see cref="EndTrial"/>.</summary>
public sealed class TrialTests : ComponentTest
{
    private static HostState OnTrial(TrialState trial) => HostStates.With(
        HostStates.Be("old", onReboot: true),
        HostStates.Be("new", booted: true, day: 1) with { Trial = trial });

    [Fact]
    public void Row_BootedOnTrial_SaysSoAndOffersKeepAndGoBack()
    {
        Engine.State = OnTrial(TrialState.Pending);

        var (page, _, _) = RenderPage();

        Assert.Equal("on trial: Keep or Go back", page.Find("[data-testid=be-trial-new]").TextContent.Trim());
        Assert.Equal("Keep new: activate it for good", page.Find("[data-testid=be-action-activate-new]").GetAttribute("aria-label"));
        Assert.False(page.Find("[data-testid=be-action-go-back-new]").HasAttribute("disabled"));
        Assert.Empty(page.FindAll("[data-testid=be-trial-old]"));
        Assert.Empty(page.FindAll("[data-testid=be-action-go-back-old]"));
    }

    [Fact]
    public void Row_TrialFailed_SaysTheNextBootGoesBack()
    {
        Engine.State = OnTrial(TrialState.Failed);

        var (page, _, _) = RenderPage();

        Assert.Equal("trial failed: the next boot goes back", page.Find("[data-testid=be-trial-new]").TextContent.Trim());
    }

    [Fact]
    public void GoBack_Confirm_RunsEndTrialForThatBe()
    {
        Engine.State = OnTrial(TrialState.Pending);
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-go-back-new]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        Assert.Contains("old stays active", dialogs.Markup);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Equal(new EndTrial("new"), Assert.Single(Engine.Runs, r => !r.DryRun).Operation), Wait);
    }
}
