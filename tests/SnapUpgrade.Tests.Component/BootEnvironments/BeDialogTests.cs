using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

public sealed class BeDialogTests : ComponentTest
{
    private static HostState WithTestBe(Func<BootEnvironment, BootEnvironment> change)
    {
        var demo = HostStates.Demo();
        return demo with { BootEnvironments = [.. demo.BootEnvironments.Select(b => b.Name == "be-test" ? change(b) : b)] };
    }

    private static Snapshot Snap(string be, string name, params string[] clones) => new()
    {
        Name = $"rpool/ROOT/{be}@{name}", Dataset = $"rpool/ROOT/{be}", ShortName = name, Clones = clones,
    };

    [Fact]
    public void DestroyDialog_MountedBe_AsksForForceUnmountBeforeItPlans()
    {
        Engine.State = WithTestBe(b => b with { MountedAt = "/mnt/test" });
        var (page, dialogs, _) = RenderPage();

        page.Find("[data-testid=be-action-destroy-be-test]").Click();

        dialogs.WaitForElement("[data-testid=dialog-error]", Wait);
        Assert.Contains("it is mounted at /mnt/test", dialogs.Find("[data-testid=dialog-error]").TextContent);
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));

        dialogs.Find("input[data-testid=dialog-option]").Change(true);

        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);
        Assert.Empty(dialogs.FindAll("[data-testid=dialog-error]"));
        Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
    }

    [Fact]
    public void ActivateDialog_RefusedAtConfirm_ShowsTheReasonInTheDialogAndASnackbar()
    {
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        Engine.State = HostStates.With(HostStates.Be("be-2026-01", booted: true, onReboot: true)); // be-test destroyed meanwhile

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        var message = new ActivateBe("be-test").Validate(Engine.State)!.Message;
        dialogs.WaitForAssertion(() => Assert.Equal(message, dialogs.Find("[data-testid=dialog-error]").TextContent.Trim()), Wait);
        snackbars.WaitForAssertion(() => Assert.Contains("There is no boot environment", snackbars.Markup), Wait);
    }

    [Fact]
    public void ActivateDialog_RunFailed_SaysWhyAndMayBeReviewedAndTriedAgain()
    {
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        Engine.Refusal = new OperationError(ErrorCode.Busy, "Another operation is running on this host; try again shortly.");

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("try again shortly", dialogs.Find("[data-testid=dialog-error]").TextContent), Wait);
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Engine.Refusal = null;
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        Assert.Empty(dialogs.FindAll("[data-testid=dialog-error]"));

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("Activated be-test", snackbars.Markup), Wait);
    }

    [Fact]
    public void ActivateDialog_Confirm_SaysItBootsOnTheNextReboot()
    {
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("Activated be-test: it boots on the next reboot", snackbars.Markup), Wait);
        Assert.Contains(Engine.Runs, r => !r.DryRun && Equals(r.Operation, new ActivateBe("be-test")));
    }

    [Fact]
    public void RenameDialog_EnterWhenValid_Confirms()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-rename-be-test]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("be-renamed");
        dialogs.Find("input[data-testid=dialog-name]").KeyDown(new KeyboardEventArgs { Key = "Enter" }); // review
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);
        Assert.DoesNotContain(Engine.Runs, r => !r.DryRun);

        dialogs.Find("input[data-testid=dialog-name]").KeyDown(new KeyboardEventArgs { Key = "Enter" }); // confirm

        dialogs.WaitForAssertion(() => Assert.Contains(Engine.Runs, r => !r.DryRun && Equals(r.Operation, new RenameBe("be-test", "be-renamed"))), Wait);
    }

    [Fact]
    public void RenameDialog_ReviewedTwiceThenConfirmed_SendsTheTokenOfThePlanOnScreen()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-rename-be-test]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("be-first");
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("be-second"); // the first plan is dropped
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Single(Engine.Reviewed), Wait);
        Assert.Equal(2, Engine.Issued.Count);
        Assert.Equal(Engine.Issued[1], Engine.Reviewed[0]);
        Assert.Contains(Engine.Runs, r => !r.DryRun && Equals(r.Operation, new RenameBe("be-test", "be-second")));
    }

    [Fact]
    public void ActivateDialog_Confirmed_SendsTheTokenOfThePlanItOpenedWith()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Single(Engine.Reviewed), Wait);
        Assert.Equal([Engine.Issued.Single()], Engine.Reviewed);
    }

    [Fact]
    public void RenameDialog_NameTaken_SaysSoAsYouType()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-rename-be-test]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);

        dialogs.Find("input[data-testid=dialog-name]").Input("be-2026-02");

        Assert.Equal("A boot environment named 'be-2026-02' already exists.", dialogs.Find("[data-testid=dialog-error]").TextContent.Trim());
    }

    [Fact]
    public void MountDialog_Operator_ReadWriteIsDisabledWithTheRoleReason()
    {
        SignIn("olga", "operator");
        var (page, dialogs, _) = RenderPage();

        page.Find("[data-testid=be-action-mount-be-test]").Click();

        dialogs.WaitForElement("input[data-testid=dialog-readwrite]", Wait);
        Assert.True(dialogs.Find("input[data-testid=dialog-readwrite]").HasAttribute("disabled"));
        Assert.Contains("Operators cannot mount shared datasets read-write.", dialogs.Markup);
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);
    }

    [Fact]
    public void MountDialog_Opened_SaysWhereABeMayBeMounted()
    {
        var (page, dialogs, _) = RenderPage();

        page.Find("[data-testid=be-action-mount-be-test]").Click();

        dialogs.WaitForElement("input[data-testid=dialog-path]", Wait);
        Assert.Contains("Under /a or /mnt", dialogs.Markup);
        Assert.Contains("leave empty for a private directory", dialogs.Markup);
    }

    [Fact]
    public void SnapshotsDialog_CreateFromSnapshot_OpensCreateWithTheSnapshotAsSource()
    {
        Engine.State = WithTestBe(b => b with { Snapshots = [Snap("be-test", "before-upgrade")] });
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-snapshots-be-test]").Click();
        dialogs.WaitForElement("[data-testid=snapshot-row-before-upgrade]", Wait);

        dialogs.Find("[data-testid=snapshot-action-clone-before-upgrade]").Click();

        dialogs.WaitForElement("input[data-testid=dialog-source]", Wait);
        Assert.Equal("be-test@before-upgrade", dialogs.Find("input[data-testid=dialog-source]").GetAttribute("value"));
    }

    [Fact]
    public void SnapshotsDialog_ClonedSnapshot_DestroyIsDisabledWithTheReason()
    {
        Engine.State = WithTestBe(b => b with { Snapshots = [Snap("be-test", "base", "rpool/ROOT/be-child")] });
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-action-snapshots-be-test]").Click();

        dialogs.WaitForElement("[data-testid=snapshot-action-destroy-base]", Wait);

        var destroy = dialogs.Find("[data-testid=snapshot-action-destroy-base]");
        Assert.True(destroy.HasAttribute("disabled"));
        Assert.Contains("rpool/ROOT/be-child is cloned from it", destroy.GetAttribute("title"));
    }

    [Fact]
    public void ActivateAndReboot_Confirm_ActivatesThenRunsTheEnginesRebootAndAuditsIt()
    {
        Engine.CanReboot = true;
        Engine.RunReport = ["The host accepted the reboot (`systemctl reboot`): it boots be-test next."];
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-reboot-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("The host accepted the reboot (`systemctl reboot`)", snackbars.Markup), Wait);
        Assert.Equal([new ActivateBe("be-test"), new RebootHost("be-test")], Engine.Runs.Where(r => !r.DryRun).Select(r => r.Operation));
        Assert.Contains(Audit.Rows, r => r is { Action: "reboot", Target: "be-test", Outcome: "succeeded", Actor: "alice" });
    }

    [Fact]
    public void ActivateAndReboot_RebootFails_SaysSoAsAWarningNotASuccess()
    {
        Engine.CanReboot = true;
        Engine.Failing = op => op is RebootHost
            ? new OperationError(ErrorCode.OperationFailed, "The reboot command `systemctl reboot` failed (exit 1): no permission")
            : null;
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-reboot-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        snackbars.WaitForAssertion(() => Assert.Contains("The reboot command `systemctl reboot` failed (exit 1): no permission", snackbars.Markup), Wait);
        Assert.NotEmpty(snackbars.FindAll(".mud-alert-filled-warning, .mud-snackbar.mud-alert-filled-warning, [class*=warning]"));
        Assert.Empty(snackbars.FindAll("[class*=success]"));
        Assert.Contains(Audit.Rows, r => r is { Action: "reboot", Target: "be-test", Outcome: "failed" });
    }

    [Fact]
    public void ActivateDialog_WhileRunning_EscapeAndCloseDoNotLeaveAndProgressShows()
    {
        Engine.RunGate = new TaskCompletionSource();
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-action-activate-be-test]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();
        dialogs.WaitForElement("[data-testid=dialog-progress]", Wait);

        // Escape is MudBlazor's key interceptor (script, not a Blazor event): its option is what counts.
        var options = ((IMudDialogInstance)dialogs.FindComponent<MudDialogContainer>().Instance).Options;
        Assert.False(options.CloseOnEscapeKey);
        Assert.False(options.CloseButton);
        Assert.Empty(dialogs.FindAll(".mud-dialog-title .mud-button-close"));
        Assert.True(dialogs.Find("[data-testid=dialog-cancel]").HasAttribute("disabled"));
        Assert.NotEmpty(dialogs.FindAll("[data-testid=dialog-progress]"));
        Engine.RunGate.SetResult();
        snackbars.WaitForAssertion(() => Assert.Contains("Activated be-test: it boots on the next reboot", snackbars.Markup), Wait);
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=dialog-progress]")), Wait);
    }
}
