using Bunit;
using MudBlazor;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Components.Pages.BootEnvironments;
using Xunit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>
/// A host with a BE per update (issue 13): be1 ... be1000, each a minute newer than the one before, so
/// creation order and name order differ and an ordinal sort (be1, be10, be100, ...) would show.
/// </summary>
public sealed class BePagingTests : ComponentTest
{
    private static BootEnvironment Numbered(int i) => HostStates.NumberedBe(i);

    private static HostState Host(int count) => HostStates.Numbered(count);

    private static List<string> RowNames(IRenderedComponent<BootEnvironmentsPage> page) =>
        [.. page.FindAll("[data-testid^=be-row-]").Select(r => r.GetAttribute("data-testid")!["be-row-".Length..])];

    private static string Range(IRenderedComponent<BootEnvironmentsPage> page) =>
        page.Find("[data-testid=be-range]").TextContent.Trim();

    private static IEnumerable<string> Names(params IEnumerable<int> numbers) => numbers.Select(i => $"be{i}");

    /// <summary>be{from}, be{from-1}, ...: newest first.</summary>
    private static IEnumerable<string> Down(int from, int count) => Names(Enumerable.Range(from - count + 1, count).Reverse());

    private IRenderedComponent<BootEnvironmentsPage> RenderHost(int count)
    {
        Engine.State = Host(count);
        return RenderPage().Page;
    }

    private static void GoTo(IRenderedComponent<BootEnvironmentsPage> page, string label) =>
        page.Find($"[data-testid=be-pages] button[aria-label='{label}']").Click();

    [Fact]
    public void Table_1000Bes_RendersOnePageOf50NewestFirst()
    {
        var page = RenderHost(1000);

        Assert.Equal(Down(1000, 50), RowNames(page));
        Assert.Equal("1-50 of 1000", Range(page));
        Assert.Equal("descending", page.Find("[data-testid=be-sort-created]").ParentElement!.GetAttribute("aria-sort"));
        Assert.Contains("Newest first", page.Find("[data-testid=be-order]").TextContent);
        // Row actions exist for the page's rows only.
        Assert.Equal(50, page.FindAll("[data-testid^=be-action-destroy-]").Count);
    }

    /// <summary>
    /// Issue 13, memory per browser: 50 rows of 8 actions are 400 buttons in every circuit; none brings a
    /// tooltip and its popover (two components each). What they say is in their title and keyboard tip.
    /// </summary>
    [Fact]
    public void Table_APageOfRows_ActionsSayWhatTheyDoWithoutATooltipComponent()
    {
        var page = RenderHost(1000);

        Assert.Empty(page.FindComponents<MudTooltip>());
        Assert.True(page.FindComponents<MudPopover>().Count < 50, "a popover per row"); // the page-size select has one
        var destroy = page.Find("[data-testid=be-action-destroy-be999]");
        Assert.Equal(destroy.GetAttribute("title"), destroy.GetAttribute("data-tip"));
        Assert.False(string.IsNullOrEmpty(destroy.GetAttribute("data-tip")));
    }

    [Fact]
    public void Table_NextPage_ShowsTheNext50InCreationOrder()
    {
        var page = RenderHost(1000);

        GoTo(page, "Next page");

        Assert.Equal(Down(950, 50), RowNames(page));
        Assert.Equal("51-100 of 1000", Range(page));

        GoTo(page, "Last page");

        Assert.Equal(Down(50, 50), RowNames(page));
        Assert.Equal("951-1000 of 1000", Range(page));
    }

    [Fact]
    public void SortByName_1000Bes_NaturalOrderBe2BeforeBe10()
    {
        var page = RenderHost(1000);

        page.Find("[data-testid=be-sort-name]").Click();

        Assert.Equal(Names(Enumerable.Range(1, 50)), RowNames(page));
        Assert.Equal("ascending", page.Find("[data-testid=be-sort-name]").ParentElement!.GetAttribute("aria-sort"));
        GoTo(page, "Next page");
        Assert.Equal(Names(Enumerable.Range(51, 50)), RowNames(page));
    }

    [Fact]
    public void SortByName_MixedNames_NaturalAndCaseInsensitive()
    {
        Engine.State = HostStates.With(
            HostStates.Be("be10", booted: true, onReboot: true), HostStates.Be("2026.10"), HostStates.Be("be2"),
            HostStates.Be("2026.9"), HostStates.Be("BE3"), HostStates.Be("be-1b"), HostStates.Be("be-1a"));
        var page = RenderPage().Page;

        page.Find("[data-testid=be-sort-name]").Click();

        Assert.Equal(["2026.9", "2026.10", "be-1a", "be-1b", "be2", "BE3", "be10"], RowNames(page));
    }

    [Fact]
    public void SortByOrigin_TiesBrokenByNameNaturally()
    {
        Engine.State = HostStates.With(
            HostStates.Be("be10", booted: true, onReboot: true) with { Origin = "rpool/ROOT/base@2026.10" },
            HostStates.Be("be2") with { Origin = "rpool/ROOT/base@2026.10" },
            HostStates.Be("be1") with { Origin = "rpool/ROOT/base@2026.9" });
        var page = RenderPage().Page;

        page.Find("[data-testid=be-sort-origin]").Click();

        Assert.Equal(["be1", "be2", "be10"], RowNames(page));
    }

    [Fact]
    public void Filter_NameOnlyOnPage20_IsFoundOverTheWholeSetAndCounted()
    {
        var page = RenderHost(1000);

        page.Find("input[data-testid=be-filter]").Input("be17");

        // be17 sits on page 20 of the unfiltered table; be170-be179 on page 17.
        Assert.Equal([.. Down(179, 10), "be17"], RowNames(page));
        Assert.Equal("1-11 of 11 (filtered from 1000)", Range(page));
    }

    [Fact]
    public void Filter_Changed_GoesBackToTheFirstPage()
    {
        var page = RenderHost(1000);
        GoTo(page, "Page 3");
        Assert.Equal("101-150 of 1000", Range(page));

        page.Find("input[data-testid=be-filter]").Input("be9");

        Assert.Equal("1-50 of 111 (filtered from 1000)", Range(page));
        Assert.Equal("be999", RowNames(page)[0]);
    }

    [Fact]
    public void PushedState_NewBeMadeElsewhere_KeepsThePage()
    {
        var page = RenderHost(1000);
        GoTo(page, "Page 3");
        Assert.Equal(Down(900, 50), RowNames(page));

        Stream.Push(Host(1001));

        page.WaitForAssertion(() => Assert.Equal("101-150 of 1001", Range(page)), Wait);
        Assert.Equal(Down(901, 50), RowNames(page));
    }

    [Fact]
    public void PushedState_DestroysEmptyTheCurrentPage_GoesToTheLastPageWithRows()
    {
        var page = RenderHost(1000);
        GoTo(page, "Last page");
        Assert.Equal("951-1000 of 1000", Range(page));

        Stream.Push(HostStates.With([.. Enumerable.Range(1, 1000).Where(i => i == 1 || i > 120).Select(Numbered)]));

        page.WaitForAssertion(() => Assert.Equal("851-881 of 881", Range(page)), Wait);
        Assert.Equal([.. Down(150, 30), "be1"], RowNames(page));
    }

    [Fact]
    public void PageSize_100Chosen_Shows100RowsFromTheSameFirstRow()
    {
        Engine.State = Host(1000);
        var popovers = Render<MudPopoverProvider>(); // the select's list opens there
        var page = Render<BootEnvironmentsPage>();
        page.WaitForElement("[data-testid=be-table]", Wait);
        GoTo(page, "Page 3");

        page.Find("[data-testid=be-pager] .mud-input-control").MouseDown();
        popovers.WaitForAssertion(() => Assert.NotEmpty(popovers.FindAll(".mud-popover-open .mud-list-item")), Wait);
        popovers.FindAll(".mud-popover-open .mud-list-item").Single(i => i.TextContent.Trim() == "100").Click();

        // Row 101 was first on page 3 of 50; with 100 a page it is first on page 2.
        page.WaitForAssertion(() => Assert.Equal("101-200 of 1000", Range(page)), Wait);
        Assert.Equal(Down(900, 100), RowNames(page));
    }

    [Fact]
    public void Table_FewBes_NoPageSizeChoiceNorPages()
    {
        var page = RenderHost(3);

        Assert.Equal("1-3 of 3", Range(page));
        Assert.Empty(page.FindAll("[data-testid=be-page-size]"));
        Assert.Empty(page.FindAll("[data-testid=be-pages]"));
    }

    [Fact]
    public void SnapshotsDialog_1000Snapshots_RendersOnePageNewestFirstAndFilters()
    {
        var snapshots = Enumerable.Range(1, 1000).Select(i => new Snapshot
        {
            Name = $"rpool/ROOT/be1@s{i}", Dataset = "rpool/ROOT/be1", ShortName = $"s{i}", Created = HostStates.T0.AddMinutes(i), Clones = [],
        }).ToArray();
        Engine.State = HostStates.With(Numbered(1) with { Snapshots = snapshots }, Numbered(2));
        var (page, dialogs, _) = RenderPage();

        page.Find("[data-testid=be-action-snapshots-be1]").Click();
        dialogs.WaitForElement("[data-testid=snapshot-table]", Wait);

        List<string> Rows() => [.. dialogs.FindAll("[data-testid^=snapshot-row-]").Select(r => r.GetAttribute("data-testid")!["snapshot-row-".Length..])];
        Assert.Equal(Enumerable.Range(951, 50).Reverse().Select(i => $"s{i}"), Rows());
        Assert.Equal("1-50 of 1000", dialogs.Find("[data-testid=snapshot-range]").TextContent.Trim());

        dialogs.Find("[data-testid=snapshot-pages] button[aria-label='Next page']").Click();
        Assert.Equal(Enumerable.Range(901, 50).Reverse().Select(i => $"s{i}"), Rows());

        dialogs.Find("input[data-testid=snapshot-filter]").Input("s17");
        Assert.Equal(["s179", "s178", "s177", "s176", "s175", "s174", "s173", "s172", "s171", "s170", "s17"], Rows());
        Assert.Equal("1-11 of 11 (filtered from 1000)", dialogs.Find("[data-testid=snapshot-range]").TextContent.Trim());
    }

    [Fact]
    public void PagedView_RowsReadAndSameStateAgain_SortsTheSetOnlyOnce()
    {
        var compares = 0;
        var order = Comparer<int>.Create((a, b) => { compares++; return a.CompareTo(b); });
        var view = new PagedView<int>((i, term) => i.ToString(System.Globalization.CultureInfo.InvariantCulture).Contains(term, StringComparison.Ordinal), order);
        int[] items = [.. Enumerable.Range(0, 1000).Reverse()];

        view.Show(items);
        var afterSort = compares;
        for (var render = 0; render < 5; render++)
        {
            Assert.Equal(Enumerable.Range(0, 50), view.Rows);
            Assert.Equal("1-50 of 1000", view.Range);
            view.Show(items); // the same state again, as a parent re-render passes it
        }

        Assert.True(afterSort > 0);
        Assert.Equal(afterSort, compares);
    }

    [Fact]
    public void PagedView_GoToBeyondTheEndThenEmptied_StaysOnARealPage()
    {
        var view = new PagedView<int>((_, _) => true, Comparer<int>.Default);
        view.Show([.. Enumerable.Range(0, 120)]);

        view.GoTo(99);

        Assert.Equal(2, view.Page);
        Assert.Equal(Enumerable.Range(100, 20), view.Rows);
        Assert.Equal("101-120 of 120", view.Range);
        view.Show([]);
        Assert.Equal((0, "0 of 0"), (view.Page, view.Range));
        Assert.Empty(view.Rows);
    }
}
