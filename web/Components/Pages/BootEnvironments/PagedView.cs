namespace SnapUpgrade.Web.Components.Pages.BootEnvironments;

/// <summary>
/// A long live list (a host's BEs, a BE's snapshots) shown a page at a time. The whole set is filtered
/// and ordered once per change of the set, the filter or the order, never per render; a page is then a
/// window on that array, so a render costs the rows it shows.
/// </summary>
/// <remarks>
/// Where the user is survives the watcher's pushes: a new set keeps the page (moved back only to the
/// last page that has rows, when destroys emptied it). A new filter or order goes to the first page:
/// the old page number means nothing in the new order.
/// </remarks>
/// <param name="order">The rows' order; null keeps the set's own (the sort is stable either way).</param>
public sealed class PagedView<T>(Func<T, string, bool> matches, IComparer<T>? order)
{
    private static readonly int[] Sizes = [25, 50, 100, 200];

    private IReadOnlyList<T> _all = [];
    private T[] _shown = [];
    private string? _filter;
    private Func<T, bool>? _only;
    private IComparer<T>? _order = order;

    /// <summary>The page sizes offered; 50 unless the user picks another.</summary>
    public IReadOnlyList<int> PageSizes => Sizes;
    public int PageSize { get; private set; } = 50;
    /// <summary>Zero-based.</summary>
    public int Page { get; private set; }
    public int PageCount => Math.Max(1, (Count + PageSize - 1) / PageSize);
    /// <summary>All items, matching the filter or not.</summary>
    public int Total => _all.Count;
    /// <summary>The items that match the filter.</summary>
    public int Count => _shown.Length;
    public bool IsFiltered => _filter is not null || _only is not null;
    /// <summary>The filter as typed (the filter box shows it so); matching trims it.</summary>
    public string? Term { get; private set; }

    /// <summary>The rows of the current page, in order.</summary>
    public IReadOnlyList<T> Rows => new ArraySegment<T>(_shown, Page * PageSize, Math.Min(PageSize, Count - Page * PageSize));

    /// <summary>"51-100 of 1000", as MudBlazor's table pager says it.</summary>
    public string Range => Count == 0 ? "0 of 0" : $"{Page * PageSize + 1}-{Page * PageSize + Rows.Count} of {Count}";

    /// <summary>The set as the watcher pushed it; the same list again costs nothing.</summary>
    public void Show(IReadOnlyList<T> all)
    {
        if (ReferenceEquals(all, _all)) return;
        _all = all;
        Refresh();
        Page = Math.Min(Page, PageCount - 1);
    }

    public void Filter(string? term)
    {
        Term = term;
        _filter = string.IsNullOrWhiteSpace(term) ? null : term.Trim();
        Refresh();
        Page = 0;
    }

    /// <summary>Keeps only the items <paramref name="keep"/> says yes to, beside the typed filter (null: all).</summary>
    public void Only(Func<T, bool>? keep)
    {
        _only = keep;
        Refresh();
        Page = 0;
    }

    public void Sort(IComparer<T> order)
    {
        _order = order;
        Refresh();
        Page = 0;
    }

    public void GoTo(int page) => Page = Math.Clamp(page, 0, PageCount - 1);

    /// <summary>A new page size keeps the first row of the page in view.</summary>
    public void Resize(int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var first = Page * PageSize;
        PageSize = pageSize;
        Page = Math.Min(first / pageSize, PageCount - 1);
    }

    private void Refresh()
    {
        var shown = _filter is { } term ? _all.Where(item => matches(item, term)) : _all;
        if (_only is { } keep) shown = shown.Where(keep);
        _shown = _order is null ? [.. shown] : [.. shown.Order(_order)];
    }
}
