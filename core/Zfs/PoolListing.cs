namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// One read of a pool: the pool itself and every file system and snapshot below it. Made from a read, its
/// datasets are in the read's order; made by <see cref="ListingSplice.Splice"/>, in name order, and shared
/// with the listing it was spliced from (<see cref="DatasetIndex"/>).
/// </summary>
public sealed class PoolListing
{
    private readonly IReadOnlyList<ZfsDataset>? _read;
    private DatasetIndex? _index;

    public PoolListing(PoolInfo pool, IReadOnlyList<ZfsDataset> datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        Pool = pool;
        _read = datasets;
    }

    internal PoolListing(PoolInfo pool, DatasetIndex index, ListingChange change)
    {
        Pool = pool;
        _index = index;
        Change = change;
    }

    public PoolInfo Pool { get; }

    public IReadOnlyList<ZfsDataset> Datasets => _read ?? _index!.ByName;

    /// <summary>The dataset of that name (the first one, in a read that named it twice): looked up in the index when
    /// there is one; a read without one is walked (building an index for one lookup costs more).</summary>
    public ZfsDataset? Find(string name) => _index is { } index ? index.Find(name) : _read!.FirstOrDefault(d => d.Name == name);

    /// <summary>Built on first use for a read, kept by a splice.</summary>
    internal DatasetIndex Index => _index ??= DatasetIndex.Of(_read!);

    /// <summary>Who this listing is, for a state built from it (<see cref="Model.HostStateReader"/>).</summary>
    internal object Identity { get; } = new();

    /// <summary>Of a spliced listing: what differs from the listings it was spliced from; null for a read.</summary>
    internal ListingChange? Change { get; }

    /// <summary>
    /// The names that may differ between this listing and the one whose <see cref="Identity"/> is
    /// <paramref name="from"/> (<see cref="ListingChange.Touched"/>), when this one was spliced from that one
    /// in a few steps; null when it was not (then anything may differ).
    /// </summary>
    internal IReadOnlySet<string>? ChangedSince(object from)
    {
        if (ReferenceEquals(from, Identity)) return new HashSet<string>();
        var steps = new List<IReadOnlySet<string>>();
        for (var change = Change; change is not null; change = change.Before)
        {
            steps.Add(change.Touched);
            if (!ReferenceEquals(change.From, from)) continue;
            if (steps.Count == 1) return steps[0];
            var touched = new HashSet<string>(steps.Sum(s => s.Count), StringComparer.Ordinal); // at 1000 BEs a promote touches 3000 names
            foreach (var step in steps) touched.UnionWith(step);
            return touched;
        }
        return null;
    }
}

/// <summary>
/// A spliced listing's difference from the one it came from (<see cref="PoolListing.Identity"/> of that one, not
/// the listing, so that no chain of listings is kept alive): the names of the datasets added, taken out or
/// changed in any way, and the origins those had or have (their snapshots' clones changed). <see cref="Before"/>
/// is that one's own change, a few steps back (an operation splices twice between the state it planned on and
/// the state it leaves).
/// </summary>
internal sealed record ListingChange(object From, IReadOnlySet<string> Touched, ListingChange? Before)
{
    private const int Steps = 8;

    /// <summary>This change after <paramref name="before"/>, keeping no more than a few steps.</summary>
    public static ListingChange After(ListingChange? before, object from, IReadOnlySet<string> touched) =>
        new(from, touched, Keep(before, Steps - 1));

    private static ListingChange? Keep(ListingChange? change, int steps) =>
        change is null || steps == 0 ? null : change with { Before = Keep(change.Before, steps - 1) };
}

/// <param name="Altroot">null when imported without one.</param>
/// <param name="Bootfs">null when unset.</param>
public sealed record PoolInfo(string Name, string Health, string? Bootfs, string? Altroot, string Guid,
    long Size, long Allocated, long Free);

public enum DatasetKind { Filesystem, Snapshot, Volume }

/// <summary>Fields of a <see cref="ZfsDataset"/> that a comparison leaves out (<see cref="ZfsDataset.SameAs"/>).</summary>
[Flags]
public enum DatasetFields
{
    None = 0,
    /// <summary><see cref="ZfsDataset.Used"/> and <see cref="ZfsDataset.Referenced"/>.</summary>
    Space = 1,
    Origin = 2,
    NumClones = 4,
    AuditHead = 8,
}

/// <summary>
/// One dataset as zfs reports it, parsed once into types. User properties (<c>org.snapupgrade:*</c>)
/// are null when not set on this dataset itself (inherited values are not reported here).
/// </summary>
public sealed record ZfsDataset
{
    public required string Name { get; init; }
    public required DatasetKind Kind { get; init; }
    public DateTimeOffset Created { get; init; }
    public long Used { get; init; }
    public long Referenced { get; init; }
    /// <summary>Origin snapshot of a clone; null otherwise.</summary>
    public string? Origin { get; init; }
    /// <summary>Host path, "none", "legacy" or null (snapshots).</summary>
    public string? MountPoint { get; init; }
    public bool Mounted { get; init; }
    /// <summary>"on", "off" or "noauto"; null for snapshots.</summary>
    public string? CanMount { get; init; }
    public string? Uuid { get; init; }
    public string? ParentBe { get; init; }
    public string? Active { get; init; }
    public string? Description { get; init; }
    public string? Keep { get; init; }
    public string? NextBoot { get; init; }
    /// <summary>"pending" or "failed" on a BE on trial (<see cref="UserProperties.Trial"/>).</summary>
    public string? Trial { get; init; }
    /// <summary>An upgrade's state on the BE it made (<see cref="UserProperties.Upgrade"/>).</summary>
    public string? Upgrade { get; init; }
    /// <summary>"on" when the console made this snapshot (so destroy may clean it up).</summary>
    public string? ConsoleMade { get; init; }
    /// <summary>The uuid of the BE whose late writes this migrated BE carries over at its first start.</summary>
    public string? CarryOver { get; init; }
    /// <summary>On the pool's root dataset: the anchored audit chain head (<see cref="UserProperties.AuditHead"/>).</summary>
    public string? AuditHead { get; init; }
    /// <summary>ZFSBootMenu's kernel command line set on this dataset itself (<see cref="UserProperties.ZbmCommandLine"/>).</summary>
    public string? ZbmCommandLine { get; init; }
    /// <summary>The other BE tool whose property this dataset carries (<see cref="ForeignProperties.Tool"/>), or null.</summary>
    public string? MadeBy { get; init; }
    /// <summary>Of a snapshot: how many file systems are clones of it, wherever they are (zfs's hidden
    /// <c>numclones</c>, which zfs-fuse has and <c>clones</c> it lacks); null for file systems.</summary>
    public int? NumClones { get; init; }
    /// <summary>zfs's identity of the dataset: kept through renames and promotes, unlike its name.</summary>
    public string? Guid { get; init; }
    /// <summary>The transaction group that created it: zfs's own order of a file system's snapshots, finer than their creation second.</summary>
    public long CreateTxg { get; init; }

    public bool IsSnapshot => Kind == DatasetKind.Snapshot;

    /// <summary>
    /// Whether this dataset is <paramref name="other"/> but for the <paramref name="apart"/> fields: every other one
    /// compared, as the record's own equality does, with no copy made (issue 13: the checks of an activation at 1000 BEs
    /// compare a few thousand records; a <c>with</c> copy for each was a tenth of what it allocated).
    /// </summary>
    public bool SameAs(ZfsDataset other, DatasetFields apart)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ReferenceEquals(this, other) || (Name == other.Name && Kind == other.Kind && Created == other.Created
            && (apart.HasFlag(DatasetFields.Space) || (Used == other.Used && Referenced == other.Referenced))
            && (apart.HasFlag(DatasetFields.Origin) || Origin == other.Origin)
            && MountPoint == other.MountPoint && Mounted == other.Mounted && CanMount == other.CanMount
            && Uuid == other.Uuid && ParentBe == other.ParentBe && Active == other.Active && Description == other.Description
            && Keep == other.Keep && NextBoot == other.NextBoot && Trial == other.Trial && Upgrade == other.Upgrade
            && ConsoleMade == other.ConsoleMade && CarryOver == other.CarryOver
            && (apart.HasFlag(DatasetFields.AuditHead) || AuditHead == other.AuditHead)
            && ZbmCommandLine == other.ZbmCommandLine && MadeBy == other.MadeBy
            && (apart.HasFlag(DatasetFields.NumClones) || NumClones == other.NumClones)
            && Guid == other.Guid && CreateTxg == other.CreateTxg);
    }

    /// <summary>The file system part of a snapshot name (<c>pool/ROOT/be</c> of <c>pool/ROOT/be@s</c>).</summary>
    public string FileSystem => IsSnapshot ? Name[..Name.IndexOf('@')] : Name;
    public string? SnapshotName => IsSnapshot ? Name[(Name.IndexOf('@') + 1)..] : null;
}
