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

    private string? _search;
    private SortKey _sort = SortKey.Name;
    private bool _descending;

    /// <summary>Why Create is disabled: the role only, the name is not typed yet.</summary>
    private string? CreateReason => Why.Not(Role, new CreateBe("new"), "create boot environments");

    private void SortBy(SortKey key)
    {
        _descending = _sort == key && !_descending;
        _sort = key;
    }

    private string? AriaSort(SortKey key) => key == SortKey.None ? null : _sort != key ? "none" : _descending ? "descending" : "ascending";

    private IEnumerable<BootEnvironment> Rows()
    {
        var rows = State.BootEnvironments.Where(Matches);
        Func<BootEnvironment, object?> key = _sort switch
        {
            SortKey.Flags => b => b.Flags,
            SortKey.Created => b => b.Created,
            SortKey.Origin => b => b.Origin ?? "",
            SortKey.Used => b => b.Used,
            SortKey.Description => b => b.Description ?? "",
            SortKey.Keep => b => b.Keep,
            SortKey.Mounted => b => b.MountedAt ?? "",
            SortKey.Zones => b => b.ZoneBes.Count,
            _ => b => b.Name,
        };
        var sorted = _descending ? rows.OrderByDescending(key).ThenBy(b => b.Name, StringComparer.Ordinal)
            : rows.OrderBy(key).ThenBy(b => b.Name, StringComparer.Ordinal);
        return sorted;
    }

    private bool Matches(BootEnvironment be)
    {
        if (string.IsNullOrWhiteSpace(_search)) return true;
        var term = _search.Trim();
        return new[] { be.Name, be.Description, be.Origin, be.MountedAt, be.Flags }
            .Any(text => text?.Contains(term, StringComparison.OrdinalIgnoreCase) == true);
    }

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
