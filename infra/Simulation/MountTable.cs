namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The host's mount table: zfs mounts of datasets and binds of directories, in mount order. A
/// deeper target shadows a shallower one, and a later entry shadows an earlier one at the same
/// target, as in Linux. It knows targets and sources only: what a mount shows is the trees'
/// business, whether a dataset may mount is zfs's. Not thread-safe on its own:
/// <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class MountTable
{
    private readonly List<SimMount> _entries = [];

    /// <summary>Every mount, oldest first (the order a state file keeps).</summary>
    public IReadOnlyList<SimMount> Entries => _entries;

    public IEnumerable<SimMount> Binds => _entries.Where(m => m.IsBind && !m.IsStaging);

    /// <summary>The tmpfs and overlay mounts of upgrades (ADR 0026).</summary>
    public IEnumerable<SimMount> Staging => _entries.Where(m => m.IsStaging);

    public void Add(SimMount mount) => _entries.Add(mount);

    public void Remove(SimMount mount) => _entries.Remove(mount);

    /// <summary>Where zfs mounted <paramref name="dataset"/>; null when it is not mounted (binds of its directories do not count).</summary>
    public SimMount? ZfsMountOf(string dataset) => _entries.FirstOrDefault(m => !m.IsBind && m.Dataset == dataset);

    public bool IsMounted(string dataset) => ZfsMountOf(dataset) is not null;

    public void RemoveZfsMount(string dataset) => _entries.RemoveAll(m => !m.IsBind && m.Dataset == dataset);

    /// <summary>The datasets zfs has mounted.</summary>
    public HashSet<string> MountedDatasets() => _entries.Where(m => !m.IsBind).Select(m => m.Dataset!).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether a bind shows a directory of one of <paramref name="datasets"/>.</summary>
    public bool BindsAnyOf(IReadOnlySet<string> datasets) =>
        _entries.Any(m => m.IsBind && m.Dataset is not null && datasets.Contains(m.Dataset));

    /// <summary>The latest mount (of the kind asked for, or any) at exactly <paramref name="target"/>: the one umount takes.</summary>
    public SimMount? TopAt(string target, bool? bind = null) =>
        _entries.LastOrDefault(m => m.Target == target && (bind is null || m.IsBind == bind));

    /// <summary>Whether anything is mounted at exactly <paramref name="path"/>.</summary>
    public bool IsTarget(ReadOnlySpan<string> path)
    {
        foreach (var m in _entries)
            if (path.SequenceEqual(m.TargetSegments)) return true;
        return false;
    }

    /// <summary>Whether something is mounted at <paramref name="path"/> or below it: it cannot be removed or renamed.</summary>
    public bool AnyAtOrBelow(string[] path) => _entries.Any(m => HostPath.StartsWith(m.TargetSegments, path));

    /// <summary>The mounts strictly below <paramref name="mount"/>'s target, which keep it busy.</summary>
    public List<SimMount> Below(SimMount mount) =>
        [.. _entries.Where(m => m.TargetSegments.Length > mount.TargetSegments.Length && HostPath.StartsWith(m.TargetSegments, mount.TargetSegments))];

    /// <summary>The mount that shows <paramref name="path"/>: the longest target that is a prefix of it, the latest on a tie; null for the base directory.</summary>
    public SimMount? Showing(ReadOnlySpan<string> path)
    {
        SimMount? best = null;
        foreach (var m in _entries)
            if (HostPath.StartsWith(path, m.TargetSegments) && (best is null || m.TargetSegments.Length >= best.TargetSegments.Length))
                best = m;
        return best;
    }

    /// <summary>Follows a dataset rename: its zfs mount and the binds of its directories now name the new dataset.</summary>
    public void RenameDataset(string old, string newName)
    {
        for (var i = 0; i < _entries.Count; i++)
            if (_entries[i].Dataset == old) _entries[i] = _entries[i] with { Dataset = newName };
    }
}
