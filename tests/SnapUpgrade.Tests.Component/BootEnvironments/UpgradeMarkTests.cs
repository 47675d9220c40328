using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>A BE an upgrade made (issue 14): its row says how the upgrade stands, and Clear upgrade runs <see cref="ClearUpgrade"/> once it is applied.</summary>
public sealed class UpgradeMarkTests : ComponentTest
{
    private static HostState Upgraded(string mark) => HostStates.With(
        HostStates.Be("old", onReboot: true),
        HostStates.Be("new", booted: true, day: 1) with { Upgrade = mark });

    [Fact]
    public void Row_AppliedUpgrade_SaysSoAndOffersClear_ToAdminsOnly_ClearRunsTheOperation()
    {
        Engine.State = Upgraded("applied");
        var (page, dialogs, _) = RenderPage();

        Assert.Equal("upgrade applied", page.Find("[data-testid=be-upgrade-new]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=be-upgrade-old]"));
        Assert.Empty(page.FindAll("[data-testid=be-action-clear-upgrade-old]"));
        page.Find("[data-testid=be-action-clear-upgrade-new]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Equal(new ClearUpgrade("new"), Assert.Single(Engine.Runs, r => !r.DryRun).Operation), Wait);
    }

    [Fact]
    public void Row_StagedUpgrade_ClearIsDisabledWithTheEnginesReason()
    {
        Engine.State = Upgraded("staged");

        var (page, _, _) = RenderPage();

        Assert.Equal("upgrade staged", page.Find("[data-testid=be-upgrade-new]").TextContent.Trim());
        Assert.True(page.Find("[data-testid=be-action-clear-upgrade-new]").HasAttribute("disabled"));
    }
}
