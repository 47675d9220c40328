using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Components.Pages.Overview;
using SnapUpgrade.Web.Components.Pages.Shared;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

/// <summary>
/// Issue 13 on the shared directories: a host with 1000 BEs. The Overview's card named every BE in a row of its
/// own (at 10,000 BEs 36,000 components and 90 MiB in each browser's circuit, and seconds before the page showed);
/// it now names at most <see cref="Glance.Rows"/>, those that need a look first, and counts all. The Shared page's
/// matrix shows a page of rows at a time.
/// </summary>
public sealed class SharedAtScaleTests : ComponentTest
{
    /// <summary>be1 read now and ok; be500 and be700 not migrated; be900 unreadable; the rest never checked.</summary>
    private static BeSharedHealth Health(int i) => i switch
    {
        1 => new($"be{i}", null, $"rpool/ROOT/be{i}", Dirs(SharedDirState.Ok), CheckedAt: HostStates.T0),
        500 or 700 => new($"be{i}", null, $"rpool/ROOT/be{i}", Dirs(SharedDirState.NotMigrated), CheckedAt: HostStates.T0),
        900 => new($"be{i}", null, $"rpool/ROOT/be{i}", [], Error: "not mounted"),
        _ => new($"be{i}", null, $"rpool/ROOT/be{i}", []),
    };

    private static IReadOnlyList<SharedDirHealth> Dirs(SharedDirState state) =>
        [.. Layout.SharedDirectories.Select(d => new SharedDirHealth(d, state, state == SharedDirState.Ok ? $"shared/{d}" : null))];

    private void Host(int count)
    {
        Engine.State = HostStates.Numbered(count);
        Engine.Health = new SharedHealthReport([.. Enumerable.Range(1, count).Select(Health)], HostStates.T0);
    }

    private static List<string> Bes(IEnumerable<AngleSharp.Dom.IElement> rows) =>
        [.. rows.Select(r => r.QuerySelector("b")!.TextContent.Trim())];

    [Fact]
    public void OverviewCard_1000Bes_NamesTenThoseThatNeedALookFirst_AndCountsAll()
    {
        Host(1000);

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(Glance.Rows, cut.FindAll("[data-testid=shared-glance-entry]").Count), Wait);
        // Then the BEs the Overview's table shows (booted be1 and the newest), in the report's order.
        Assert.Equal(["be500", "be700", "be900", "be1", "be992", "be993", "be994", "be995", "be996", "be997"],
            Bes(cut.FindAll("[data-testid=shared-glance-entry]")));
        Assert.Equal("10 of 1000 boot environments: those that need a look first, then the ones above.",
            cut.Find("[data-testid=shared-glance-shown]").TextContent.Trim());
        Assert.Equal("8 not migrated", cut.Find("[data-testid=shared-not-migrated]").TextContent.Trim());
        Assert.Equal("996 not checked", cut.Find("[data-testid=shared-not-checked]").TextContent.Trim());
    }

    [Fact]
    public void OverviewCard_TenBesOrFewer_NamesEveryOneInTheReportsOrder()
    {
        Host(10);

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("[data-testid=shared-glance-entry]").Count), Wait);
        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => $"be{i}")], Bes(cut.FindAll("[data-testid=shared-glance-entry]")));
        Assert.Empty(cut.FindAll("[data-testid=shared-glance-shown]"));
    }

    [Fact]
    public void SharedPage_1000Bes_ShowsAPageOfRowsInTheReportsOrder_AndPagesOn()
    {
        Host(1000);

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.Equal(50, cut.FindAll("[data-testid=health-row]").Count), Wait);
        Assert.Equal([.. Enumerable.Range(1, 50).Select(i => $"be{i}")], Bes(cut.FindAll("[data-testid=health-row]")));
        Assert.Equal("1-50 of 1000", cut.Find("[data-testid=health-range]").TextContent.Trim());

        cut.Find("[data-testid=health-pages] button[aria-label='Next page']").Click();

        Assert.Equal([.. Enumerable.Range(51, 50).Select(i => $"be{i}")], Bes(cut.FindAll("[data-testid=health-row]")));
        Assert.Equal("51-100 of 1000", cut.Find("[data-testid=health-range]").TextContent.Trim());
    }

    [Fact]
    public void SharedPage_1000Bes_FiltersByName_AndShowsOnlyThoseThatNeedALook()
    {
        Host(1000);

        var cut = Render<SharedPage>();
        cut.WaitForAssertion(() => Assert.Equal(50, cut.FindAll("[data-testid=health-row]").Count), Wait);

        cut.Find("input[data-testid=health-filter]").Input("be90");

        Assert.Equal(["be90", .. Enumerable.Range(900, 10).Select(i => $"be{i}")], Bes(cut.FindAll("[data-testid=health-row]")));
        Assert.Equal("1-11 of 11 (filtered from 1000)", cut.Find("[data-testid=health-range]").TextContent.Trim());

        cut.Find("input[data-testid=health-needs-a-look]").Change(true);

        // Both: be900 is the one unreadable BE among those the name matches.
        Assert.Equal(["be900"], Bes(cut.FindAll("[data-testid=health-row]")));

        cut.Find("input[data-testid=health-filter]").Input("");

        Assert.Equal(["be500", "be700", "be900"], Bes(cut.FindAll("[data-testid=health-row]")));
        Assert.Equal("1-3 of 3 (filtered from 1000)", cut.Find("[data-testid=health-range]").TextContent.Trim());

        cut.Find("input[data-testid=health-filter]").Input("be1");

        Assert.Empty(cut.FindAll("[data-testid=health-row]"));
        Assert.Equal("No boot environment that needs a look matches.", cut.Find("[data-testid=health-empty]").TextContent.Trim());
    }

    [Fact]
    public void SharedPage_OnePageOfBes_OffersNoFilter()
    {
        Host(10);

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.Equal(10, cut.FindAll("[data-testid=health-row]").Count), Wait);
        Assert.Empty(cut.FindAll("[data-testid=health-filter]"));
        Assert.Empty(cut.FindAll("[data-testid=health-needs-a-look]"));
    }
}
