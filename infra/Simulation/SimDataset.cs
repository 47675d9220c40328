namespace SnapUpgrade.Infra.Simulation;

/// <summary>One file system or snapshot of the simulated pool. Mutable, guarded by the simulator's lock.</summary>
internal sealed class SimDataset
{
    public required string Name { get; set; }
    public required bool IsSnapshot { get; init; }
    public required DateTimeOffset Created { get; init; }
    /// <summary>Creation order across the pool, one number per dataset: "later snapshots" and promote use it, never the clock.</summary>
    public required long Txg { get; init; }
    /// <summary>
    /// zfs's <c>createtxg</c>: the transaction group that made it, which every snapshot of one <c>zfs snapshot</c>
    /// (recursive, or several names) shares, as in zfs; otherwise <see cref="Txg"/>.
    /// </summary>
    public required long CreateTxg { get; init; }
    /// <summary>The snapshot a clone was made from. Setting it tells the table (its clone index, the space figures).</summary>
    public string? Origin
    {
        get => _origin;
        set
        {
            var old = _origin;
            _origin = value;
            Table?.OriginChanged(this, old);
        }
    }
    private string? _origin;

    /// <summary>Its origin snapshot was renamed (a promote moved it, a rename renamed it): the same snapshot, so the
    /// space figures stand; the table moves its clone index itself (<see cref="DatasetTable.Rename"/>).</summary>
    internal void OriginRenamed(string newName) => _origin = newName;
    /// <summary>Properties set on this dataset itself (mountpoint, canmount, readonly, user properties...).</summary>
    public Dictionary<string, string> Local { get; init; } = new(StringComparer.Ordinal);
    /// <summary>The live tree of a file system; the frozen tree of a snapshot. Setting it tells the table (the space figures).</summary>
    public required DirNode Root
    {
        get;
        set
        {
            field = value;
            Table?.Touch(this);
        }
    }

    /// <summary>The table that holds it (set when added): told of every change to what its space figures come from.</summary>
    internal DatasetTable? Table { get; set; }

    /// <summary>
    /// A file system's space used, snapshots and children included, as last worked out (null: to work out again;
    /// <see cref="DatasetTable.Touch"/> clears it up the ancestors). A snapshot's own figure is
    /// <see cref="SnapshotUsed"/>, worked out with its file system's.
    /// </summary>
    internal long? Total { get; set; }

    /// <summary>A snapshot's space used (what no neighbour shares), set when its file system's <see cref="Total"/> is.</summary>
    internal long SnapshotUsed { get; set; }

    public string FileSystem => IsSnapshot ? Name[..Name.IndexOf('@')] : Name;
    public string? SnapshotName => IsSnapshot ? Name[(Name.IndexOf('@') + 1)..] : null;
    public string Pool => Name[..(Name.IndexOfAny(['/', '@']) is var i and >= 0 ? i : Name.Length)];
    /// <summary>The parent file system (of a snapshot: its file system); null for a pool's root.</summary>
    public string? Parent => IsSnapshot ? FileSystem : Name.LastIndexOf('/') is var i and >= 0 ? Name[..i] : null;
    public string CanMount => Local.GetValueOrDefault("canmount", "on");

    // Space accounting is memoised on the trees it was computed from (compared by reference), so a
    // listing of a thousand unchanged BEs costs a thousand reference checks.
    private (Node?, Node?, Node?, long) _unique;

    public long UniqueBytes(Node? other1, Node? other2)
    {
        var (root, o1, o2, bytes) = _unique;
        if (ReferenceEquals(root, Root) && ReferenceEquals(o1, other1) && ReferenceEquals(o2, other2)) return bytes;
        bytes = FileTree.Unique(Root, other1, other2);
        _unique = (Root, other1, other2, bytes);
        return bytes;
    }
}

/// <summary>An imported simulated pool.</summary>
internal sealed class SimPool
{
    public required string Name { get; init; }
    public required string Guid { get; init; }
    public string? Bootfs { get; set; }
    public long Size { get; init; } = 32L << 30;
}

/// <summary>
/// One entry of the host's mount table: a dataset mounted by zfs, or a bind of a directory of a
/// dataset (or of the base directory) elsewhere. Later entries cover earlier ones at the same target.
/// </summary>
/// <param name="Dataset">The volume the tree comes from; null for the host's base directory.</param>
/// <param name="SourcePath">The directory inside that volume the mount shows (empty for a dataset mount).</param>
/// <param name="Source">For binds, the host path as given to mount; for zfs mounts, the dataset name.</param>
/// <param name="Lower">An overlay (ADR 0026): its lower layer; <paramref name="Dataset"/> and <paramref name="SourcePath"/> are then its upper.</param>
internal sealed record SimMount(string Target, string? Dataset, IReadOnlyList<string> SourcePath, bool ReadOnly,
    bool IsBind, string Source, SimLayer? Lower = null)
{
    public string[] TargetSegments { get; } = HostPath.Split(Target);

    /// <summary>An upgrade's staging mount (a tmpfs or an overlay): not a bind for <c>IMounts</c>, and gone with the console process.</summary>
    public bool IsStaging => Lower is not null || Scratch.IsScratch(Dataset);
}

/// <summary>A directory of a volume (a dataset, a tmpfs, or null for the base directory): an overlay's lower layer.</summary>
internal sealed record SimLayer(string? Volume, string[] Path);

/// <summary>The simulator's tmpfs volumes: named apart from datasets, which cannot hold a ':' before their '/'.</summary>
internal static class Scratch
{
    public const string Prefix = "tmpfs:";

    public static bool IsScratch(string? volume) => volume?.StartsWith(Prefix, StringComparison.Ordinal) == true;
}
