using Bunit;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Components.Pages.BootEnvironments;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>
/// A pushed state renders a row's buttons again only when one of its actions changed (issue 13: a promote re-points
/// the origin of every BE made from what it moved, and ten open pages rendered a thousand buttons each for it).
/// </summary>
public sealed class BeRowActionsTests : ComponentTest
{
    private BeActionClick? _clicked;

    private IRenderedComponent<BeGrid> RenderGrid(HostState state) => Render<BeGrid>(p => p
        .Add(g => g.State, state).Add(g => g.Role, Role.Admin).Add(g => g.OnAction, (BeActionClick click) => _clicked = click));

    private static IRenderedComponent<BeRowActions> ButtonsOf(IRenderedComponent<BeGrid> grid, string name) =>
        grid.FindComponents<BeRowActions>().Single(r => r.Instance.Be.Name == name);

    private static HostState With(HostState state, string name, Func<BootEnvironment, BootEnvironment> change) =>
        state with { BootEnvironments = [.. state.BootEnvironments.Select(b => b.Name == name ? change(b) : b)] };

    [Fact]
    public void Buttons_APushThatOnlyMovesTheOrigin_AreNotRenderedAgainAndAClickTakesTheBeAsPushed()
    {
        var demo = HostStates.Demo();
        var grid = RenderGrid(demo);
        var buttons = ButtonsOf(grid, "be-test");
        var renders = buttons.RenderCount;
        var moved = With(demo, "be-test", b => b with { Origin = $"{demo.Pool}/ROOT/moved@x" });

        grid.Render(p => p.Add(g => g.State, moved));

        Assert.Contains("moved@x", grid.Find("[data-testid=be-row-be-test]").TextContent);
        Assert.Equal(renders, buttons.RenderCount);
        grid.Find("[data-testid=be-action-snapshots-be-test]").Click();
        Assert.Equal(("snapshots", $"{demo.Pool}/ROOT/moved@x"), (_clicked?.Verb, _clicked?.Be.Origin));
    }

    [Fact]
    public void Actions_PagesShowingOneState_AreWorkedOutOnceForThemAll()
    {
        var demo = HostStates.Demo();
        var first = ButtonsOf(RenderGrid(demo), "be-test").Instance.Actions;

        Assert.Same(first, ButtonsOf(RenderGrid(demo), "be-test").Instance.Actions);
        var anotherState = ButtonsOf(RenderGrid(demo with { }), "be-test").Instance.Actions; // the same BEs, another state
        Assert.NotSame(first, anotherState);
        Assert.Equal(first, anotherState);
        var auditors = ButtonsOf(Render<BeGrid>(p => p.Add(g => g.State, demo).Add(g => g.Role, Role.Auditor)), "be-test").Instance.Actions;
        Assert.NotEqual(first, auditors); // an auditor may do none of it
    }

    [Fact]
    public void Buttons_APushThatChangesWhyOneIsDisabled_AreRenderedAgain()
    {
        var demo = HostStates.Demo();
        var grid = RenderGrid(demo);
        var buttons = ButtonsOf(grid, "be-test");
        var renders = buttons.RenderCount;
        Assert.False(grid.Find("[data-testid=be-action-destroy-be-test]").HasAttribute("disabled"));

        grid.Render(p => p.Add(g => g.State, With(demo, "be-test", b => b with { IsActiveOnReboot = true })));

        Assert.True(buttons.RenderCount > renders);
        Assert.True(grid.Find("[data-testid=be-action-destroy-be-test]").HasAttribute("disabled"));
    }
}
