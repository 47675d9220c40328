using Bunit;
using Microsoft.AspNetCore.Components.Web;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

public sealed class BootEnvironmentsPageTests : ComponentTest
{
    private static readonly string[] Verbs = ["activate", "activate-once", "rename", "destroy", "mount", "unmount"];

    private static List<string> RowNames(IRenderedComponent<Web.Components.Pages.BootEnvironments.BootEnvironmentsPage> page) =>
        [.. page.FindAll("[data-testid^=be-row-]").Select(r => r.GetAttribute("data-testid")!["be-row-".Length..])];

    [Fact]
    public void Table_DemoHost_ShowsFlagsAndBesNewestFirst()
    {
        var (page, _, _) = RenderPage();

        Assert.Equal(["be-test", "be-2026-02", "be-2026-01"], RowNames(page));
        Assert.Equal("N", page.Find("[data-testid=be-flags-be-2026-01]").TextContent);
        Assert.Equal("R", page.Find("[data-testid=be-flags-be-2026-02]").TextContent);
        Assert.Equal("", page.Find("[data-testid=be-flags-be-test]").TextContent);
        Assert.Contains("booted now", page.Find("[data-testid=be-legend]").TextContent);
    }

    [Fact]
    public void Page_NothingPushedYet_ShowsLoadingAndNoTable()
    {
        Stream.SeedFromEngine = false;
        Render<MudBlazor.MudPopoverProvider>();

        var page = Render<Web.Components.Pages.BootEnvironments.BootEnvironmentsPage>();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=loading]")), Wait);
        Assert.Empty(page.FindAll("[data-testid=be-table]"));
        Assert.Empty(page.FindAll("[data-testid=be-create]"));
    }

    [Fact]
    public void Page_StreamFails_ShowsTheErrorInsteadOfTheTable()
    {
        Stream.SeedFromEngine = false;
        Render<MudBlazor.MudPopoverProvider>();
        var page = Render<Web.Components.Pages.BootEnvironments.BootEnvironmentsPage>();

        Stream.Fail("cannot open 'rpool': no such pool");

        page.WaitForAssertion(() => Assert.Contains("no such pool", page.Find("[data-testid=load-error]").TextContent), Wait);
        Assert.Empty(page.FindAll("[data-testid=loading]"));
        Assert.Empty(page.FindAll("[data-testid=be-table]"));
        Assert.Empty(Engine.Runs);
    }

    [Fact]
    public void Page_NoBootEnvironments_SaysSoRatherThanNoMatch()
    {
        Engine.State = HostStates.With();

        var (page, _, _) = RenderPage();

        Assert.Empty(RowNames(page));
        Assert.Equal("No boot environments on this pool.", page.Find("[data-testid=be-empty]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=be-pager]"));
        Assert.Empty(page.FindAll("[data-testid=load-error]"));
    }

    [Fact]
    public void Table_SortByNameTwice_SortsDescending()
    {
        var (page, _, _) = RenderPage();
        page.Find("[data-testid=be-sort-name]").Click();
        Assert.Equal(["be-2026-01", "be-2026-02", "be-test"], RowNames(page));

        page.Find("[data-testid=be-sort-name]").Click();

        Assert.Equal(["be-test", "be-2026-02", "be-2026-01"], RowNames(page));
        Assert.Equal("descending", page.Find("[data-testid=be-sort-name]").ParentElement!.GetAttribute("aria-sort"));
    }

    [Fact]
    public void Filter_Text_NarrowsRows()
    {
        var (page, _, _) = RenderPage();

        page.Find("input[data-testid=be-filter]").Input("scratch");

        Assert.Equal(["be-test"], RowNames(page));
        page.Find("input[data-testid=be-filter]").Input("nothing-like-this");
        Assert.Empty(RowNames(page));
        Assert.Contains("No boot environment matches", page.Find("[data-testid=be-empty]").TextContent);
    }

    [Fact]
    public void Destroy_BootedBe_IsDisabledWithTheEngineReason()
    {
        var (page, _, _) = RenderPage();

        var destroy = page.Find("[data-testid=be-action-destroy-be-2026-01]");

        Assert.True(destroy.HasAttribute("disabled"));
        Assert.Contains("it is the booted boot environment", destroy.GetAttribute("title"));
        Assert.Equal(new DestroyBe("be-2026-01", true).Validate(Engine.State)!.Message, destroy.GetAttribute("title"));
        Assert.False(page.Find("[data-testid=be-action-destroy-be-test]").HasAttribute("disabled"));
    }

    [Fact]
    public void Actions_Auditor_AreAllDisabledWithTheRoleReasonButTheSnapshotListOpens()
    {
        SignIn("audrey", "auditor");
        var (page, _, _) = RenderPage();

        foreach (var be in Engine.State.BootEnvironments)
            foreach (var verb in Verbs)
            {
                var button = page.Find($"[data-testid=be-action-{verb}-{be.Name}]");
                Assert.True(button.HasAttribute("disabled"), $"{verb} {be.Name}");
                Assert.StartsWith("Auditors cannot ", button.GetAttribute("title"));
            }
        var create = page.Find("[data-testid=be-create]");
        Assert.True(create.HasAttribute("disabled"));
        Assert.Equal("Auditors cannot create boot environments.", create.GetAttribute("title"));
        // Reading is every role's: the list opens, and its own actions say what the role may not do.
        Assert.All(Engine.State.BootEnvironments, be =>
            Assert.False(page.Find($"[data-testid=be-action-snapshots-{be.Name}]").HasAttribute("disabled")));
    }

    [Fact]
    public void Actions_Operator_MayActivateButNotDestroy()
    {
        SignIn("olga", "operator");
        var (page, _, _) = RenderPage();

        Assert.False(page.Find("[data-testid=be-action-activate-be-test]").HasAttribute("disabled"));
        var destroy = page.Find("[data-testid=be-action-destroy-be-test]");
        Assert.True(destroy.HasAttribute("disabled"));
        Assert.Equal("Operators cannot destroy boot environments.", destroy.GetAttribute("title"));
    }

    [Fact]
    public void ActivateAndReboot_EngineCannotReboot_IsNotOffered()
    {
        var (page, _, _) = RenderPage();

        Assert.NotEmpty(page.FindAll("[data-testid=be-action-activate-be-test]"));
        Assert.Empty(page.FindAll("[data-testid^=be-action-activate-reboot-]"));
    }

    [Fact]
    public void ActivateAndReboot_EngineCanReboot_IsOffered()
    {
        Engine.CanReboot = true;

        var (page, _, _) = RenderPage();

        Assert.False(page.Find("[data-testid=be-action-activate-reboot-be-test]").HasAttribute("disabled"));
    }

    [Fact]
    public void Description_WithScript_RendersAsText()
    {
        const string hostile = "<script>alert('x')</script><b>bold</b>";
        Engine.State = HostStates.With(HostStates.Be("evil", booted: true, onReboot: true, description: hostile));

        var (page, _, _) = RenderPage();

        Assert.Empty(page.FindAll("script"));
        Assert.Empty(page.FindAll("[data-testid=be-description] b"));
        Assert.Equal(hostile, page.Find("[data-testid=be-description]").TextContent);
    }

    [Fact]
    public void CreateDialog_BadNameThenGoodName_ShowsTheMessageThenThePlan()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-create]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);

        dialogs.Find("input[data-testid=dialog-name]").Input("bad name!");

        Assert.Equal(Names.Check("bad name!")!.Message, dialogs.Find("[data-testid=dialog-error]").TextContent.Trim());
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));

        dialogs.Find("input[data-testid=dialog-name]").Input("be-2026-03");
        Assert.Empty(dialogs.FindAll("[data-testid=dialog-error]"));
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Assert.Empty(Engine.Runs); // typing checks; only a review plans (and is audited)

        dialogs.Find("[data-testid=dialog-review]").Click();

        dialogs.WaitForAssertion(() => Assert.Equal(2, dialogs.FindAll("[data-testid=dialog-plan-step]").Count), Wait);
        Assert.Contains("zfs clone -o canmount=noauto", dialogs.Find("[data-testid=dialog-plan]").TextContent);
        Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Assert.True(Assert.Single(Engine.Runs).DryRun);
    }

    [Fact]
    public void CreateDialog_TypingAfterTheReview_DropsThePlanUntilReviewedAgain()
    {
        var (page, dialogs, _) = RenderPage();
        page.Find("[data-testid=be-create]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("be-2026-03");
        dialogs.Find("input[data-testid=dialog-name]").KeyDown(new KeyboardEventArgs { Key = "Enter" });
        dialogs.WaitForElement("[data-testid=dialog-plan]", Wait);

        dialogs.Find("input[data-testid=dialog-name]").Input("be-2026-04");

        Assert.Empty(dialogs.FindAll("[data-testid=dialog-plan]"));
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Assert.False(dialogs.Find("[data-testid=dialog-review]").HasAttribute("disabled"));
        Assert.Equal(new CreateBe("be-2026-03"), Assert.Single(Engine.Runs).Operation);
        Assert.Equal(1, Audit.Rows.Count(r => r.DryRun));
    }

    [Fact]
    public void CreateDialog_Confirm_RunsTheOperationAndSaysSo()
    {
        var (page, dialogs, snackbars) = RenderPage();
        page.Find("[data-testid=be-create]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("be-2026-03");
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);

        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=dialog-name]")), Wait);
        var run = Assert.Single(Engine.Runs, r => !r.DryRun);
        Assert.Equal(new CreateBe("be-2026-03"), run.Operation);
        snackbars.WaitForAssertion(() => Assert.Contains("Created be-2026-03 from be-2026-01", snackbars.Markup), Wait);
        Assert.Contains(Audit.Rows, r => r is { Action: "create", DryRun: false, Actor: "alice", Outcome: "succeeded" });
    }
}
