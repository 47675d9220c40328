using System.Runtime.CompilerServices;

namespace SnapUpgrade.Core.Model;

/// <summary>
/// A state's file systems (every global BE's root and children, every zone BE) by name: each one's origin, its
/// snapshots, and for a global BE's the BE it belongs to. Worked out once per state, which never changes: an
/// activation's scope and plan asked for them several times each, and at 1000 BEs each asking built
/// dictionaries of a thousand entries again (issue 13).
/// </summary>
public sealed class FileSystems
{
    private static readonly ConditionalWeakTable<HostState, FileSystems> Worked = [];

    private FileSystems(HostState state)
    {
        var count = state.BootEnvironments.Count;
        _origins = new(count, StringComparer.Ordinal);
        _snapshots = new(count, StringComparer.Ordinal);
        _owners = new(count, StringComparer.Ordinal);
        // Loops, not nested LINQ: at 1000 BEs the iterators made per BE were most of what this cost.
        foreach (var be in state.BootEnvironments)
        {
            Add(be.Dataset, be.Origin, be.Snapshots, be.Name);
            foreach (var child in be.Children) Add(child.Dataset, child.Origin, child.Snapshots, be.Name);
        }
        foreach (var zone in state.Zones)
            foreach (var zoneBe in zone.BootEnvironments) Add(zoneBe.Dataset, zoneBe.Origin, zoneBe.Snapshots, owner: null);
    }

    public static FileSystems Of(HostState state) => Worked.GetValue(state, s => new FileSystems(s));

    private readonly Dictionary<string, string?> _origins;
    private readonly Dictionary<string, IReadOnlyList<Snapshot>> _snapshots;
    private readonly Dictionary<string, string> _owners;

    /// <summary>Each file system's origin (null: none).</summary>
    public IReadOnlyDictionary<string, string?> Origins => _origins;

    /// <summary>Each file system's snapshots, as its BE lists them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Snapshot>> Snapshots => _snapshots;

    /// <summary>The global BE each of its file systems belongs to (zone BEs are not here).</summary>
    public IReadOnlyDictionary<string, string> Owners => _owners;

    /// <summary><see cref="Origins"/> to change: a plan changes its copy as it plans promotes.</summary>
    public Dictionary<string, string?> OriginsToChange() => new(_origins, StringComparer.Ordinal);

    private void Add(string dataset, string? origin, IReadOnlyList<Snapshot> snapshots, string? owner)
    {
        _origins.Add(dataset, origin);
        _snapshots.Add(dataset, snapshots);
        if (owner is not null) _owners.Add(dataset, owner);
    }
}
