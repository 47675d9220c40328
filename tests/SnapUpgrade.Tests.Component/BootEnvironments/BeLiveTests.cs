using Bunit;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>The page and its dialogs follow the host watcher's pushes; nothing polls.</summary>
public sealed class BeLiveTests : ComponentTest
{
    [Fact]
    public void Table_PushedState_ShowsTheNewFlagsWithoutReload()
    {
        var (page, _, _) = RenderPage();
        Assert.Equal("", page.Find("[data-testid=be-flags-be-test]").TextContent);
        var demo = HostStates.Demo();

        Stream.Push(demo with
        {
            BootEnvironments = [.. demo.BootEnvironments.Select(b => b with { IsActiveOnReboot = b.Name == "be-test" })],
        });

        page.WaitForAssertion(() => Assert.Equal("R", page.Find("[data-testid=be-flags-be-test]").TextContent), Wait);
        Assert.Equal("N", page.Find("[data-testid=be-flags-be-2026-01]").TextContent);
    }

    [Fact]
    public void DestroyAction_BeBecomesActiveOnReboot_TurnsDisabledWithTheReason()
    {
        var (page, _, _) = RenderPage();
        Assert.False(page.Find("[data-testid=be-action-destroy-be-test]").HasAttribute("disabled"));
        var demo = HostStates.Demo();
        var pushed = demo with
        {
            BootEnvironments = [.. demo.BootEnvironments.Select(b => b with { IsActiveOnReboot = b.Name == "be-test" })],
        };

        Stream.Push(pushed);

        page.WaitForAssertion(() => Assert.True(page.Find("[data-testid=be-action-destroy-be-test]").HasAttribute("disabled")), Wait);
        Assert.Equal(new DestroyBe("be-test", true).Validate(pushed)!.Message,
            page.Find("[data-testid=be-action-destroy-be-test]").GetAttribute("title"));
    }

    [Fact]
    public void OpenCreateDialog_NameTakenElsewhere_ShowsTheRefusalAtOnce()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-create]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("be-2026-03");
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);
        var demo = HostStates.Demo();

        Stream.Push(demo with { BootEnvironments = [.. demo.BootEnvironments, HostStates.Be("be-2026-03", day: 50)] });

        dialogs.WaitForAssertion(() => Assert.Equal("A boot environment named 'be-2026-03' already exists.",
            dialogs.Find("[data-testid=dialog-error]").TextContent.Trim()), Wait);
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
    }

    [Fact]
    public void OpenActivateDialog_HostChangedElsewhere_DropsThePlanAndAsksForANewReview()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);
        var demo = HostStates.Demo();

        Stream.Push(demo with { BootEnvironments = [.. demo.BootEnvironments, HostStates.Be("be-2026-09", day: 50)] });

        dialogs.WaitForAssertion(() => Assert.Contains("The host changed since the plan was made.",
            dialogs.Find("[data-testid=dialog-plan-hint]").TextContent), Wait);
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Assert.Single(Engine.Runs); // the plan made on opening; none behind the user's back

        dialogs.Find("[data-testid=dialog-review]").Click();

        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        Assert.Equal(2, Engine.Runs.Count(r => r.DryRun));
    }

    [Fact]
    public void OpenActivateDialog_OnlySpaceCountersMoved_KeepsThePlan()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        var demo = HostStates.Demo();

        // What a busy host does at every txg sync: used, referenced and the pool's free space move.
        Stream.Push(demo with
        {
            PoolFree = demo.PoolFree - 4096,
            BootEnvironments = [.. demo.BootEnvironments.Select(b => b with { Used = b.Used + 4096, Referenced = b.Referenced + 8192 })],
        });

        var used = Web.Components.Common.Format.Bytes(demo.Find("be-test")!.Used + 4096);
        page.WaitForAssertion(() => Assert.Equal(used, page.Find("[data-testid=be-row-be-test] [data-testid=be-space]").TextContent.Trim()), Wait);
        Assert.NotEmpty(dialogs.FindAll("[data-testid=dialog-plan]"));
        Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Assert.Single(Engine.Runs); // no new dry run
    }

    [Fact]
    public void Confirm_Succeeded_NudgesTheWatcher()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        var before = Stream.Nudges;

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        page.WaitForAssertion(() => Assert.True(Stream.Nudges > before), Wait);
    }
}
