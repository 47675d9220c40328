using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Pages.Zones;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class ZonesLiveTests : ComponentTest
{

    [Fact]
    public void ZonesPage_NothingPushedYet_ShowsLoading()
    {
        Stream.SeedFromEngine = false;

        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=loading]")));
        Assert.Empty(cut.FindAll("[data-testid=zone-matrix]"));
    }

    [Fact]
    public void ZonesPage_EngineFails_ShowsTheError()
    {
        Engine.Failure = new IOException("zfs list failed");

        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.Contains("zfs list failed", cut.Find("[data-testid=load-error]").TextContent), Wait);
    }

    [Fact]
    public void ZonesPage_Operator_CreateAndDestroyDisabledWithTheRole()
    {
        SignIn("olga", "operator");

        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=zone-matrix]")), Wait);
        Assert.True(cut.Find("[data-testid=zone-create]").HasAttribute("disabled"));
        Assert.Equal("Operators cannot create zones.", cut.Find("[data-testid=zone-create-reason]").GetAttribute("title"));
        Assert.True(cut.Find("[data-testid=zone-destroy-web]").HasAttribute("disabled"));
        Assert.Equal("Operators cannot destroy zones.", cut.Find("[data-testid=zone-destroy-web-reason]").GetAttribute("title"));
    }

    [Fact]
    public void ZonesPage_Auditor_CreateAndDestroyDisabledWithTheRole()
    {
        SignIn("ada", "auditor");
        var dialogs = RenderProviders();

        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=zone-matrix]")), Wait);
        Assert.True(cut.Find("[data-testid=zone-create]").HasAttribute("disabled"));
        Assert.Equal("Auditors cannot create zones.", cut.Find("[data-testid=zone-create-reason]").GetAttribute("title"));
        Assert.True(cut.Find("[data-testid=zone-destroy-web]").HasAttribute("disabled"));
        Assert.Equal("Auditors cannot destroy zones.", cut.Find("[data-testid=zone-destroy-web-reason]").GetAttribute("title"));

        cut.Find("[data-testid=zone-create]").Click();

        Assert.Empty(dialogs.FindAll(".mud-dialog"));
        Assert.Empty(Engine.Runs);
    }

    [Fact]
    public void ZonesPage_Admin_ActionsEnabled()
    {
        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=zone-create]").HasAttribute("disabled")), Wait);
        Assert.False(cut.Find("[data-testid=zone-destroy-web]").HasAttribute("disabled"));
        Assert.Contains("web", cut.Find("[data-testid=zone-matrix]").TextContent);
    }

    [Fact]
    public void ZonesPage_ZoneBeClonedOutsideTheZone_DestroyDisabledWithTheEnginesReason()
    {
        var demo = HostStates.Demo();
        var web = demo.Zones.Single();
        var cloned = web.BootEnvironments[0] with
        {
            Snapshots = [new Snapshot { Name = $"{web.BootEnvironments[0].Dataset}@base", Dataset = web.BootEnvironments[0].Dataset,
                ShortName = "base", Clones = ["rpool/elsewhere/copy"] }],
        };
        Engine.State = demo with { Zones = [web with { BootEnvironments = [cloned, .. web.BootEnvironments.Skip(1)] }] };

        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid=zone-destroy-web]").HasAttribute("disabled")), Wait);
        Assert.Contains("rpool/elsewhere/copy is cloned from", cut.Markup);
    }

    [Fact]
    public void ZonesPage_PushedNewZone_AppearsInTheMatrix()
    {
        var cut = Render<ZonesPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=zone-matrix] tbody tr")), Wait);

        var demo = HostStates.Demo();
        Stream.Push(demo with { Zones = [.. demo.Zones, new Zone { Name = "db", Dataset = "rpool/zones/db", BootEnvironments = [] }] });

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=zone-matrix] tbody tr").Count), Wait);
    }

    [Fact]
    public void CreateZone_TypedName_ValidatesAsYouTypeThenPlansAndRuns()
    {
        var dialogs = RenderProviders();
        var cut = Render<ZonesPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=zone-create]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=zone-create]").Click();
        dialogs.WaitForElement("input[data-testid=dialog-name]", Wait);
        dialogs.Find("input[data-testid=dialog-name]").Input("web");
        dialogs.WaitForAssertion(() => Assert.Contains("Zone 'web' already exists", dialogs.Find("[data-testid=dialog-error]").TextContent), Wait);
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        Assert.True(dialogs.Find("[data-testid=dialog-review]").HasAttribute("disabled"));

        dialogs.Find("input[data-testid=dialog-name]").Input("db");
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("already exists", dialogs.Markup), Wait);
        Assert.Empty(Engine.Runs); // typing plans nothing
        dialogs.Find("[data-testid=dialog-review]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("zone-create db", dialogs.Find("[data-testid=dialog-plan]").TextContent), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Contains(Engine.Runs, r => r is { Operation: CreateZone { Name: "db" }, DryRun: false }), Wait);
        Assert.Equal(2, Audit.Rows.Count); // the dry run and the run, both audited
        Assert.Equal(1, Stream.Nudges);
    }

    [Fact]
    public void CreateZone_Dialog_SaysOneZoneBeIsMadeForTheBootedBe()
    {
        var dialogs = RenderProviders();
        var cut = Render<ZonesPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=zone-create]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=zone-create]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("one zone BE (for the booted global BE)", dialogs.Find(".mud-dialog").TextContent), Wait);
        Assert.DoesNotContain("every global BE", dialogs.Markup); // CreateZone clones the booted BE only
    }

    [Fact]
    public void DestroyZone_RunEnabledOnlyOnceTheNameIsTyped()
    {
        var dialogs = RenderProviders();
        var cut = Render<ZonesPage>();
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=zone-destroy-web]").HasAttribute("disabled")), Wait);

        cut.Find("[data-testid=zone-destroy-web]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=dialog-plan]")), Wait);
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));

        dialogs.Find("input[data-testid=dialog-confirm-name]").Input("we");
        Assert.True(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
        dialogs.Find("input[data-testid=dialog-confirm-name]").Input("web");
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("[data-testid=dialog-confirm]").HasAttribute("disabled")), Wait);
        dialogs.Find("[data-testid=dialog-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Contains(Engine.Runs, r => r is { Operation: DestroyZone { Name: "web" }, DryRun: false }), Wait);
    }
}
