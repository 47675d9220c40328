using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Components.Pages.Upgrades;
using Xunit;

namespace SnapUpgrade.Tests.Component.Upgrades;

public sealed class UpgradesPageTests : ComponentTest
{
    private (IRenderedComponent<UpgradesPage> Page, IRenderedComponent<MudDialogProvider> Dialogs) RenderUpgrades(string? id = null)
    {
        var dialogs = RenderProviders();
        var page = Render<UpgradesPage>(p => p.Add(x => x.Id, id));
        page.WaitForElement("[data-testid=upgrade-runs]", Wait);
        return (page, dialogs);
    }

    private static void TypeName(IRenderedComponent<UpgradesPage> page, string name) =>
        page.Find("input[data-testid=upgrade-name]").Input(name);

    private static bool Disabled(IRenderedComponent<UpgradesPage> page, string testId) =>
        page.Find($"button[data-testid={testId}]").HasAttribute("disabled");

    /// <summary>Reviewed and started as an admin would: the plan first, then Upgrade; returns the run's id.</summary>
    private string StartUpgrade(IRenderedComponent<UpgradesPage> page, string name)
    {
        TypeName(page, name);
        page.Find("[data-testid=upgrade-review]").Click();
        page.WaitForAssertion(() => Assert.False(Disabled(page, "upgrade-start")), Wait);
        page.Find("[data-testid=upgrade-start]").Click();
        page.WaitForElement("[data-testid=upgrade-output]", Wait);
        Assert.Equal(name, Assert.Single(Upgrades.Orders, o => !o.Order.DryRun).Order.Name);
        return Upgrades.Latest.Id;
    }

    [Fact]
    public void Form_NameOfAnExistingBe_SaysWhyAndNeitherReviewsNorStarts()
    {
        var (page, _) = RenderUpgrades();
        Assert.True(Disabled(page, "upgrade-review")); // no name yet

        TypeName(page, "be-test");

        page.WaitForAssertion(() => Assert.Contains("already exists", page.Find("[data-testid=upgrade-error]").TextContent), Wait);
        Assert.True(Disabled(page, "upgrade-review"));
        Assert.True(Disabled(page, "upgrade-start"));
        Assert.Contains("already exists", page.Find("[data-testid=upgrade-review-reason]").GetAttribute("title"));
        Assert.Empty(Upgrades.Orders);
    }

    [Fact]
    public void Form_InvalidName_SaysWhatTheCreateDialogSays()
    {
        var (page, _) = RenderUpgrades();

        TypeName(page, "no spaces allowed");

        var expected = new CreateBe("no spaces allowed", "be-2026-01", null).Validate(Engine.State)!.Message;
        page.WaitForAssertion(() => Assert.Equal(expected, page.Find("[data-testid=upgrade-error]").TextContent.Trim()), Wait);
        Assert.True(Disabled(page, "upgrade-review"));
    }

    [Fact]
    public void Review_ValidName_ShowsEveryStepWithItsArgvFromTheBootedBeThenAllowsUpgrade()
    {
        var (page, _) = RenderUpgrades();
        TypeName(page, "be-2026-03");
        Assert.True(Disabled(page, "upgrade-start")); // not before the plan is on screen
        Assert.Contains("Review the plan", page.Find("[data-testid=upgrade-start-reason]").GetAttribute("title"));

        page.Find("[data-testid=upgrade-review]").Click();

        page.WaitForElement("[data-testid=upgrade-plan]", Wait);
        var steps = page.FindAll("[data-testid=upgrade-plan-step]");
        Assert.Equal(2, steps.Count);
        Assert.Contains("chroot /mnt/new apt-get -y dist-upgrade", steps[1].QuerySelector("code")!.TextContent);
        var order = Assert.Single(Upgrades.Orders).Order;
        Assert.Equal(new UpgradeOrder("be-2026-03", "be-2026-01", null, Activate: false, DryRun: true), order);
        page.WaitForAssertion(() => Assert.False(Disabled(page, "upgrade-start")), Wait);
    }

    [Fact]
    public void Review_ThenNameChanged_DropsThePlanAndUpgradeWaitsForANewReview()
    {
        var (page, _) = RenderUpgrades();
        TypeName(page, "be-2026-03");
        page.Find("[data-testid=upgrade-review]").Click();
        page.WaitForElement("[data-testid=upgrade-plan]", Wait);

        TypeName(page, "be-2026-04");

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=upgrade-plan]")), Wait);
        Assert.True(Disabled(page, "upgrade-start"));
    }

    [Fact]
    public void Review_Refused_ShowsTheEnginesText()
    {
        SignIn("olga", "operator");
        Upgrades.Refusal = new OperationError(ErrorCode.Forbidden, "Operators may not run upgrades on this host (Upgrade:OperatorsMay).");
        var (page, _) = RenderUpgrades();
        TypeName(page, "be-2026-03");

        page.Find("[data-testid=upgrade-review]").Click();

        page.WaitForAssertion(() => Assert.Contains("OperatorsMay", page.Find("[data-testid=upgrade-error]").TextContent), Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-plan]"));
        Assert.True(Disabled(page, "upgrade-start"));
    }

    [Fact]
    public void Start_ActivateTicked_SendsTheOrderAndMovesToTheRunsAddress()
    {
        var (page, _) = RenderUpgrades();
        page.Find("input[data-testid=upgrade-activate]").Change(true);

        var id = StartUpgrade(page, "be-2026-03");

        var order = Assert.Single(Upgrades.Orders, o => !o.Order.DryRun);
        // With the token of the plan on screen (the last review's): what runs is what was reviewed.
        var review = Upgrades.Orders.FindLastIndex(o => o.Order.DryRun) + 1;
        Assert.Equal(new UpgradeOrder("be-2026-03", "be-2026-01", null, Activate: true, PlanToken: $"token-{review}"), order.Order);
        Assert.Equal("alice", order.Actor.Name);
        Assert.EndsWith($"/upgrades/{id}", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
        Assert.Equal("", page.Find("input[data-testid=upgrade-name]").GetAttribute("value") ?? ""); // ready for the next one
    }

    [Fact]
    public void Output_LinesArriveOneByOne_EachAppearsAsTheFollowYieldsIt()
    {
        var (page, _) = RenderUpgrades();
        var id = StartUpgrade(page, "be-2026-03");
        page.WaitForElement("[data-testid=upgrade-progress]", Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-line]"));

        Upgrades.Print(id, "$ chroot /mnt/be-2026-03 simulated-apt-get dist-upgrade");
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=upgrade-line]")), Wait);
        Upgrades.Print(id, "Unpacking base-files (13.1) ...");
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=upgrade-line]").Count), Wait);

        var lines = page.FindAll("[data-testid=upgrade-line]").Select(l => l.TextContent).ToList();
        Assert.Equal(["$ chroot /mnt/be-2026-03 simulated-apt-get dist-upgrade", "Unpacking base-files (13.1) ..."], lines);
        Assert.NotEmpty(page.FindAll("[data-testid=upgrade-progress]")); // still running
        Assert.Empty(page.FindAll("[data-testid=upgrade-result]"));
    }

    [Fact]
    public void Output_StepChangesWhileRunning_TheStepLineAndTheListFollow()
    {
        var run = Upgrades.Add(FakeUpgrades.Running("u7", "be-2026-03", step: "Creating the boot environment"));
        var (page, _) = RenderUpgrades(run.Id);
        page.WaitForAssertion(() => Assert.Equal("Creating the boot environment", page.Find("[data-testid=upgrade-step]").TextContent.Trim()), Wait);

        Upgrades.Step(run.Id, "Running the package command");

        page.WaitForAssertion(() => Assert.Equal("Running the package command", page.Find("[data-testid=upgrade-step]").TextContent.Trim()), Wait);
        Assert.Contains("Running the package command", page.Find("[data-testid=upgrade-run-u7]").TextContent); // the list agrees
    }

    [Fact]
    public void Output_MoreLinesThanKept_ShowsTheLastOnesAndSaysHowManyAreNot()
    {
        var run = Upgrades.Add(FakeUpgrades.Running("u7", "be-2026-03"));
        Upgrades.Print(run.Id, [.. Enumerable.Range(0, OutputLines.Keep + 50).Select(i => $"line {i}")]);

        var (page, _) = RenderUpgrades(run.Id);

        page.WaitForAssertion(() => Assert.Equal($"line {OutputLines.Keep + 49}", page.FindAll("[data-testid=upgrade-line]")[^1].TextContent), Wait);
        var lines = page.FindAll("[data-testid=upgrade-line]");
        Assert.Equal(OutputLines.Keep, lines.Count);
        Assert.Equal("line 50", lines[0].TextContent);
        Assert.Contains("50 earlier lines", page.Find("[data-testid=upgrade-output]").TextContent);
    }

    [Fact]
    public void Result_RunStaged_ShowsStateCommandStagedListAndPartsThenActivatesThroughTheDialog()
    {
        var (page, dialogs) = RenderUpgrades();
        var id = StartUpgrade(page, "be-2026-03");
        Upgrades.Print(id, "Setting up base-files (13.1) ...");
        // The new BE as the watcher then reads it: it exists, so Activate is checked against it.
        Engine.State = HostStates.Demo() with { BootEnvironments = [.. HostStates.Demo().BootEnvironments, HostStates.Be("be-2026-03")] };
        Stream.Nudge();

        Upgrades.End(FakeUpgrades.Staged(Upgrades.Latest, "var/log/dpkg.log: 2 lines appended", "var/spool/demo/queue: new file"));

        page.WaitForAssertion(() => Assert.Equal("Staged", page.Find("[data-testid=upgrade-state]").TextContent.Trim()), Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-progress]"));
        Assert.Empty(page.FindAll("[data-testid=upgrade-cancel]"));
        Assert.Equal("chroot /mnt/be-2026-03 simulated-apt-get 'dist upgrade'", page.Find("[data-testid=upgrade-command]").TextContent);
        Assert.Contains("exited with 0", page.Find("[data-testid=upgrade-ran]").TextContent);
        var staged = page.FindAll("[data-testid=upgrade-staged] li").Select(l => l.TextContent).ToList();
        Assert.Equal(["var/log/dpkg.log: 2 lines appended", "var/spool/demo/queue: new file"], staged);
        Assert.Equal(3, page.FindAll("[data-testid=upgrade-part]").Count);
        Assert.Contains("stage-upgrade", page.FindAll("[data-testid=upgrade-part]")[1].TextContent);
        Assert.Single(page.FindAll("[data-testid=upgrade-line]")); // the output stays above the result

        page.Find("[data-testid=upgrade-activate-be]").Click();
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains(Engine.Runs, r => !r.DryRun && Equals(r.Operation, new ActivateBe("be-2026-03"))), Wait);
    }

    [Fact]
    public void Result_RunFailed_ActivateIsDisabledAndSaysWhyDestroyIsOffered()
    {
        var run = Upgrades.Add(FakeUpgrades.Running("u3", "be-test"), "E: Sub-process /usr/bin/dpkg returned an error code (1)");
        Upgrades.End(FakeUpgrades.Staged(run) with
        {
            State = UpgradeState.Failed,
            Staged = [],
            Ran = new UpgradeCommandEnd(CommandEnd.Exited, 100, "exited with 100", 1.2),
        });

        var (page, _) = RenderUpgrades(run.Id);

        page.WaitForAssertion(() => Assert.Equal("Failed", page.Find("[data-testid=upgrade-state]").TextContent.Trim()), Wait);
        Assert.True(Disabled(page, "upgrade-activate-be"));
        Assert.Contains("did not pass", page.Find("[data-testid=upgrade-activate-be-reason]").GetAttribute("title"));
        Assert.False(Disabled(page, "upgrade-destroy-be"));
        Assert.Equal("Nothing.", page.Find("[data-testid=upgrade-staged]").TextContent.Trim());
        Assert.Contains("exited with 100", page.Find("[data-testid=upgrade-ran]").TextContent);
    }

    [Fact]
    public void Result_ActivationAskedWithTheOrder_SaysItIsActivated()
    {
        var run = Upgrades.Add(FakeUpgrades.Running("u6", "be-test") with { Activate = true });
        Upgrades.End(FakeUpgrades.Staged(run) with
        {
            Activated = new OperationResult { Action = "activate", Target = "be-test", Outcome = Outcome.Succeeded, ToBe = "be-test" },
        });

        var (page, _) = RenderUpgrades(run.Id);

        page.WaitForAssertion(() => Assert.Equal("Activated: be-test boots on the next reboot.", page.Find("[data-testid=upgrade-activated]").TextContent.Trim()), Wait);
    }

    [Fact]
    public void Result_DestroyClicked_OpensTheDestroyDialogForTheNewBe()
    {
        var run = Upgrades.Add(FakeUpgrades.Running("u3", "be-test"));
        Upgrades.End(FakeUpgrades.Staged(run) with { State = UpgradeState.Failed });
        var (page, dialogs) = RenderUpgrades(run.Id);
        page.WaitForElement("[data-testid=upgrade-result]", Wait);

        page.Find("[data-testid=upgrade-destroy-be]").Click();

        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains(Engine.Runs, r => !r.DryRun && r.Operation is DestroyBe { Name: "be-test" }), Wait);
    }

    [Fact]
    public void Auditor_SeesRunsAndOutputButNoFormAndCannotCancel()
    {
        SignIn("audrey", "auditor");
        var run = Upgrades.Add(FakeUpgrades.Running("u5", "be-2026-03"), "Reading package lists...");

        var (page, _) = RenderUpgrades(run.Id);

        page.WaitForElement("[data-testid=upgrade-line]", Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-form]"));
        Assert.Empty(page.FindAll("[data-testid=upgrade-name]"));
        Assert.Empty(page.FindAll("[data-testid=upgrade-start]"));
        Assert.NotEmpty(page.FindAll("[data-testid=upgrade-readonly]"));
        Assert.True(Disabled(page, "upgrade-cancel"));
        Assert.Contains("auditor", page.Find("[data-testid=upgrade-cancel-reason]").GetAttribute("title"));
    }

    [Fact]
    public void Operator_OnAHostThatDoesNotAllowThem_SeesTheEnginesReasonInsteadOfTheForm()
    {
        SignIn("olga", "operator");
        Upgrades.HostRefusal = new(ErrorCode.Forbidden, "Operators may not run upgrades on this host (SnapUpgrade:Upgrade:OperatorsMay is false).");

        var (page, _) = RenderUpgrades(null);

        page.WaitForElement("[data-testid=upgrade-readonly]", Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-form]"));
        Assert.Contains("OperatorsMay is false", page.Find("[data-testid=upgrade-readonly]").TextContent);
    }

    [Fact]
    public void Cancel_WhileRunning_AsksTheEngineToCancelThatRun()
    {
        var run = Upgrades.Add(FakeUpgrades.Running("u4", "be-2026-03"));
        var (page, _) = RenderUpgrades(run.Id);
        page.WaitForElement("[data-testid=upgrade-cancel]", Wait);

        page.Find("[data-testid=upgrade-cancel]").Click();

        page.WaitForAssertion(() => Assert.Equal(("alice", "u4"), Assert.Single(Upgrades.Cancels) is var c ? (c.Actor.Name, c.Id) : default), Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-cancel-error]"));
    }

    [Fact]
    public void Cancel_Refused_ShowsTheEnginesText()
    {
        Upgrades.CancelRefusal = new OperationError(ErrorCode.NotFound, "The upgrade u4 has already ended.");
        var run = Upgrades.Add(FakeUpgrades.Running("u4", "be-2026-03"));
        var (page, _) = RenderUpgrades(run.Id);
        page.WaitForElement("[data-testid=upgrade-cancel]", Wait);

        page.Find("[data-testid=upgrade-cancel]").Click();

        page.WaitForAssertion(() => Assert.Equal("The upgrade u4 has already ended.", page.Find("[data-testid=upgrade-cancel-error]").TextContent.Trim()), Wait);
    }

    [Fact]
    public void Runs_ListedNewestFirst_EachLinksToItsOwnAddress()
    {
        Upgrades.Add(FakeUpgrades.Running("u1", "be-older"));
        Upgrades.Add(FakeUpgrades.Running("u2", "be-newer"));

        var (page, _) = RenderUpgrades();

        var links = page.FindAll("[data-testid=upgrade-runs] [data-testid=upgrade-run-link]");
        Assert.Equal(["be-newer", "be-older"], links.Select(l => l.TextContent.Trim()));
        Assert.Equal("upgrades/u2", links[0].GetAttribute("href"));
        Assert.Empty(page.FindAll("[data-testid=upgrade-output]")); // none opened yet
    }

    [Fact]
    public void OpenedAtAnUnknownId_SaysSo()
    {
        var (page, _) = RenderUpgrades("u404");

        page.WaitForElement("[data-testid=upgrade-missing]", Wait);
        Assert.Empty(page.FindAll("[data-testid=upgrade-output]"));
    }
}
