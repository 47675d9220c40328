using Microsoft.AspNetCore.Components;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Common;
using SnapUpgrade.Web.Components.Dialogs;

namespace SnapUpgrade.Web.Components.Pages.BootEnvironments;

public partial class BeGrid
{
    public enum SortKey { None, Flags, Name, Created, Origin, Used, Description, Keep, Mounted, Zones }

    private sealed record Column(SortKey Key, string Title, bool Right = false);

    private static readonly Column[] Columns =
    [
        new(SortKey.Flags, "Flags"), new(SortKey.Name, "Name"), new(SortKey.Created, "Created"), new(SortKey.Origin, "Origin"),
        new(SortKey.Used, "Used", true), new(SortKey.Description, "Description"),
        new(SortKey.Keep, "Keep"), new(SortKey.Mounted, "Mounted at"), new(SortKey.Zones, "Zone BEs"), new(SortKey.None, "Actions"),
    ];

    [Parameter, EditorRequired] public HostState State { get; set; } = default!;
    [Parameter, EditorRequired] public Role Role { get; set; }
    /// <summary>The engine can reboot this host (<c>IEngine.CanReboot</c>): offer "activate and reboot".</summary>
    [Parameter] public bool CanReboot { get; set; }
    [Parameter] public EventCallback<BeActionClick> OnAction { get; set; }
    [Parameter] public EventCallback OnCreate { get; set; }

    // Newest first: a host that keeps a BE per update wants the latest ones on the first page.
    private SortKey _sort = SortKey.Created;
    private bool _descending = true;
    private readonly PagedView<BootEnvironment> _view = new(Matches, Order(SortKey.Created, descending: true));

    /// <summary>Why Create is disabled: the role only, the name is not typed yet.</summary>
    private string? CreateReason => Why.Not(Role, new CreateBe("new"), "create boot environments");

    // A new state filters and sorts the whole set once; a re-render with the same state costs nothing.
    protected override void OnParametersSet() => _view.Show(State.BootEnvironments);

    private void SortBy(SortKey key)
    {
        _descending = _sort == key && !_descending;
        _sort = key;
        _view.Sort(Order(_sort, _descending));
    }

    private string? AriaSort(SortKey key) => key == SortKey.None ? null : _sort != key ? "none" : _descending ? "descending" : "ascending";

    private static string SortTitle(Column column) => column.Key switch
    {
        SortKey.Flags => "N: booted now, R: active on reboot, T: next boot only",
        SortKey.Created => "Sort by Created (the table opens newest first)",
        SortKey.Name => "Sort by Name (be2 before be10)",
        _ => $"Sort by {column.Title}",
    };

    private string OrderText => (_sort, _descending) switch
    {
        (SortKey.Created, true) => "Newest first (the default); click a column title to sort by it.",
        (SortKey.Created, false) => "Oldest first.",
        _ => $"By {Columns.First(c => c.Key == _sort).Title}, {(_descending ? "descending" : "ascending")}; names in natural order (be2 before be10).",
    };

    /// <summary>The whole order of one column, ties broken by name, so it is total and stable.</summary>
    private static Comparer<BootEnvironment> Order(SortKey key, bool descending)
    {
        Comparison<BootEnvironment> primary = key switch
        {
            SortKey.Flags => (a, b) => Natural(a.Flags, b.Flags),
            SortKey.Created => (a, b) => a.Created.CompareTo(b.Created),
            SortKey.Origin => (a, b) => Natural(a.Origin, b.Origin),
            SortKey.Used => (a, b) => a.Used.CompareTo(b.Used),
            SortKey.Description => (a, b) => Natural(a.Description, b.Description),
            SortKey.Keep => (a, b) => a.Keep.CompareTo(b.Keep),
            SortKey.Mounted => (a, b) => Natural(a.MountedAt, b.MountedAt),
            SortKey.Zones => (a, b) => a.ZoneBes.Count.CompareTo(b.ZoneBes.Count),
            _ => (a, b) => Natural(a.Name, b.Name),
        };
        return Comparer<BootEnvironment>.Create((a, b) =>
            (descending ? primary(b, a) : primary(a, b)) is var byKey and not 0 ? byKey : Natural(a.Name, b.Name));
    }

    private static int Natural(string? a, string? b) => NaturalOrder.Instance.Compare(a, b);

    private static bool Matches(BootEnvironment be, string term) =>
        new[] { be.Name, be.Description, be.Origin, be.MountedAt, be.Flags }
            .Any(text => text?.Contains(term, StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>A BE's origin as beadm users read it ("2026.11@2026.10"); other datasets in full.</summary>
    private string ShortOrigin(BootEnvironment be)
    {
        if (be.Origin is not { } origin) return "-";
        var container = new Core.Model.Layout(State.Pool).BeContainer + "/";
        return origin.StartsWith(container, StringComparison.Ordinal) ? origin[container.Length..] : origin;
    }

    private static string SpaceTitle(BootEnvironment be) =>
        $"used {Format.Bytes(be.Used)} (snapshots {Format.Bytes(be.SnapshotsUsed)}), referenced {Format.Bytes(be.Referenced)}";

    /// <summary>Where a trial stands, in the row: null for a BE that is not on one.</summary>
    /// <summary>What an upgrade's mark on a BE means (ADR 0026), for the chip's tooltip.</summary>
    private static string UpgradeTitle(string upgrade) => upgrade switch
    {
        "running" => "Its upgrade is running (Upgrades page).",
        "staged" => "Upgraded: its shared-directory writes wait in it and are applied at its first start (or activation, where the host says so).",
        "applied" => "Upgraded and its staged writes applied: Clear upgrade removes its staged copy and base snapshot.",
        "failed" => "Its upgrade failed: it cannot be activated; read the run's output, then destroy it.",
        _ => upgrade,
    };

    private static string? TrialText(BootEnvironment be) => be switch
    {
        { Trial: TrialState.None } => null,
        { Trial: TrialState.Failed, IsBooted: true } => "trial failed: the next boot goes back",
        { IsOnTrial: true } => "on trial: Keep or Go back",
        { IsNextBoot: true } => "trial on the next boot",
        _ => null, // a trial that ended by a boot elsewhere: nothing to decide here
    };

    private static string FlagsTitle(BootEnvironment be)
    {
        var parts = new List<string>();
        if (be.IsBooted) parts.Add("N: booted now");
        if (be.IsActiveOnReboot) parts.Add("R: active on reboot");
        if (be.IsNextBoot) parts.Add("T: next boot only");
        return string.Join(", ", parts);
    }
}
