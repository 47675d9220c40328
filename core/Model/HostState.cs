namespace SnapUpgrade.Core.Model;

/// <summary>
/// Everything the console shows about one host, read in one go (<see cref="HostStateReader"/>).
/// ZFS is the source of truth; this is a snapshot of it, never kept as a copy to edit.
/// </summary>
public sealed record HostState
{
    public required string Pool { get; init; }
    public required string PoolHealth { get; init; }
    public long PoolSize { get; init; }
    public long PoolAllocated { get; init; }
    public long PoolFree { get; init; }
    /// <summary>The pool's bootfs dataset, or null.</summary>
    public string? Bootfs { get; init; }
    public required IReadOnlyList<BootEnvironment> BootEnvironments { get; init; }
    public required IReadOnlyList<Zone> Zones { get; init; }
    public required IReadOnlyList<SharedDataset> SharedDatasets { get; init; }
    /// <summary>Which layout the pool has (the console's, a distribution guide's, another BE tool's).</summary>
    public HostLayout Layout { get; init; } = HostLayout.Empty;
    /// <summary>False when the pool has no <c>pool/ROOT</c> yet.</summary>
    public bool HasBeContainer { get; init; }
    /// <summary>False when the pool has no <c>pool/zones</c> yet.</summary>
    public bool HasZonesContainer { get; init; }
    public DateTimeOffset ReadAt { get; init; }
    /// <summary>The configured boot loader (<c>SnapUpgrade:BootLoader</c>): none, zfsbootmenu, grub or systemd-boot.</summary>
    public string BootLoader { get; init; } = "none";
    /// <summary>What each BE was built from (<see cref="HostStateReader"/>): the next read builds again only those whose sources changed.</summary>
    internal ReadSources? Sources { get; init; }

    /// <summary>
    /// What is looked up often in one state, made on its first use and kept beside the state, not in it (a field would
    /// be copied by <c>with</c> and take part in the record's equality). Keyed by the object: a state made by
    /// <c>with</c> is another object and gets its own. At 1000 BEs and more a walk per lookup was most of what a
    /// page of 50 rows cost to check its actions (issue 13).
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HostState, Indexes> Derived = new();

    private sealed class Indexes(HostState state)
    {
        private Dictionary<string, BootEnvironment>? _byName;
        private List<(string, string, string)>? _mountedClones;

        public Dictionary<string, BootEnvironment> ByName => _byName ??= MakeByName();

        public List<(string Dataset, string Origin, string MountedAt)> MountedClones => _mountedClones ??= MakeMountedClones();

        private Dictionary<string, BootEnvironment> MakeByName()
        {
            var byName = new Dictionary<string, BootEnvironment>(state.BootEnvironments.Count, StringComparer.Ordinal);
            foreach (var be in state.BootEnvironments) byName.TryAdd(be.Name, be); // the first of a name, as a walk finds it
            return byName;
        }

        private List<(string, string, string)> MakeMountedClones()
        {
            var mounted = new List<(string, string, string)>();
            foreach (var be in state.BootEnvironments)
                if (be is { Origin: { } origin, MountedAt: { } at }) mounted.Add((be.Dataset, origin, at));
            foreach (var be in state.BootEnvironments)
                foreach (var child in be.Children)
                    if (child is { Origin: { } origin, MountedAt: { } at }) mounted.Add((child.Dataset, origin, at));
            foreach (var zone in state.Zones)
                foreach (var zoneBe in zone.BootEnvironments)
                    if (zoneBe is { Origin: { } origin, MountedAt: { } at }) mounted.Add((zoneBe.Dataset, origin, at));
            return mounted;
        }
    }

    public BootEnvironment? Booted => BootEnvironments.FirstOrDefault(b => b.IsBooted);
    public BootEnvironment? ActiveOnReboot => BootEnvironments.FirstOrDefault(b => b.IsActiveOnReboot);
    public BootEnvironment? NextBoot => BootEnvironments.FirstOrDefault(b => b.IsNextBoot);
    /// <summary>The booted BE when it is on trial (<see cref="BootEnvironment.IsOnTrial"/>).</summary>
    public BootEnvironment? OnTrial => BootEnvironments.FirstOrDefault(b => b.IsOnTrial);
    /// <summary>The BE the next boot will use: the one-shot one if set, else bootfs.</summary>
    public BootEnvironment? BootTarget => NextBoot ?? ActiveOnReboot;

    /// <summary>The BE of that name (looked up in <see cref="Indexes"/>: the BE page asks about ten times per row).</summary>
    public BootEnvironment? Find(string name) =>
        name is null ? null : Derived.GetValue(this, s => new Indexes(s)).ByName.GetValueOrDefault(name); // null: none, as the walk it replaced said

    /// <summary>The mounted file systems that are clones (BEs, then their children, then zone BEs, each in the state's order).</summary>
    internal IReadOnlyList<(string Dataset, string Origin, string MountedAt)> MountedClones =>
        Derived.GetValue(this, s => new Indexes(s)).MountedClones;

    public Zone? FindZone(string name) => Zones.FirstOrDefault(z => z.Name == name);

    /// <summary>Every snapshot of global and zone BEs, by full name.</summary>
    public IEnumerable<Snapshot> AllSnapshots
    {
        get
        {
            // Loops, not nested LINQ: at 1000 BEs the iterators made per BE cost more than the 11,000 snapshots walked.
            foreach (var be in BootEnvironments)
            {
                foreach (var snapshot in be.Snapshots) yield return snapshot;
                foreach (var child in be.Children)
                    foreach (var snapshot in child.Snapshots) yield return snapshot;
            }
            foreach (var zone in Zones)
                foreach (var zoneBe in zone.BootEnvironments)
                    foreach (var snapshot in zoneBe.Snapshots) yield return snapshot;
        }
    }
}

/// <summary>What a <see cref="HostState"/> was read from, per BE, for the next read to compare with.</summary>
/// <param name="Container">What BEs show of their container: the one-shot next boot, another tool's mark.</param>
/// <param name="Listing">The <see cref="Zfs.PoolListing.Identity"/> of the listing read: a listing spliced from it says what changed since.</param>
internal sealed record ReadSources(IReadOnlyDictionary<string, BeSources> Bes, (string? NextBoot, string? MadeBy, bool HasContainer) Container,
    object Listing);

/// <summary>
/// One BE's sources: its own datasets and the clones of its snapshots, as the listing had them, and the BE
/// built from them (as the reader built it: what callers made of the state with <c>with</c> is not kept).
/// </summary>
internal sealed record BeSources(IReadOnlyList<Zfs.ZfsDataset> Datasets, IReadOnlyList<Zfs.ZfsDataset> Clones, BootEnvironment? Built = null)
{
    /// <summary>
    /// Whether a BE built from these sources is the one built from <paramref name="other"/> but for the origins of its
    /// file systems: the same datasets in the same order, equal records apart from their origins, and the same clones
    /// of the same snapshots (a clone's other properties are not part of the BE). A promote changes the origin of
    /// every BE cloned from the snapshots it moves, and only that (issue 13: at 1000 BEs, building them all again was
    /// most of what activating a new BE cost). A spliced listing that moved a dataset builds it again.
    /// </summary>
    public bool BuildsAs(BeSources other) =>
        ReferenceEquals(this, other) || (Datasets.Count == other.Datasets.Count && Clones.Count == other.Clones.Count
            && Datasets.Zip(other.Datasets).All(p => p.First == p.Second
                || (p.First.Origin != p.Second.Origin && p.First.SameAs(p.Second, Zfs.DatasetFields.Origin)))
            && Clones.Zip(other.Clones).All(p => p.First.Name == p.Second.Name && p.First.Origin == p.Second.Origin));
}

public sealed record BootEnvironment
{
    public required string Name { get; init; }
    public required string Dataset { get; init; }
    public string? Uuid { get; init; }
    public string? Description { get; init; }
    /// <summary>The other BE tool that made it (zsys, zectl, beadm), when its properties say so; null otherwise.</summary>
    public string? MadeBy { get; init; }
    /// <summary>
    /// Made by another tool (no console uuid): listed and operated on as it is. Nothing is written on it
    /// by reading it; an operation asked for on it writes only what that operation needs, in its plan.
    /// </summary>
    public bool IsAdopted => Uuid is null;
    public bool Keep { get; init; }
    /// <summary>Migrated, and not yet booted: the uuid of the BE whose late writes its first start carries over.</summary>
    public string? CarryOverFrom { get; init; }
    /// <summary>N: mounted at the host root now.</summary>
    public bool IsBooted { get; init; }
    /// <summary>R: the pool's bootfs.</summary>
    public bool IsActiveOnReboot { get; init; }
    /// <summary>T: chosen for the next boot only.</summary>
    public bool IsNextBoot { get; init; }
    /// <summary>Activated for one boot as a trial, and not yet kept or given up (<see cref="IsOnTrial"/>).</summary>
    public TrialState Trial { get; init; }
    /// <summary>Made by an upgrade (ADR 0026): "running", "staged" or "failed" (<see cref="Zfs.UserProperties.Upgrade"/>); null otherwise.</summary>
    public string? Upgrade { get; init; }
    /// <summary>Whether the boot loader has the console's entry for it (GRUB, systemd-boot); null for loaders without entries.</summary>
    public bool? HasLoaderEntry { get; init; }
    public string? Origin { get; init; }
    public DateTimeOffset Created { get; init; }
    public long Used { get; init; }
    public long Referenced { get; init; }
    /// <summary>Host path where it is mounted, or null.</summary>
    public string? MountedAt { get; init; }
    /// <summary>The mountpoint property (a host path, or none/legacy).</summary>
    public string? MountPoint { get; init; }
    public string? CanMount { get; init; }
    public required IReadOnlyList<Snapshot> Snapshots { get; init; }
    /// <summary>This BE's zone BEs (linked by <c>parentbe</c> = this BE's uuid).</summary>
    public required IReadOnlyList<ZoneBe> ZoneBes { get; init; }
    /// <summary>
    /// Its descendant file systems, parents first (bectl's "deep" BEs, zsys): a BE is its root and
    /// every one of them, so they are snapshotted, cloned, promoted, mounted, renamed and destroyed with it.
    /// </summary>
    public IReadOnlyList<BeChild> Children { get; init; } = [];
    /// <summary>
    /// Zone datasets that sit below the BE's root (a zone BE, or what is mounted under /zones): never
    /// part of the BE. A recursive rename or destroy of the root would take them along, so those are refused.
    /// </summary>
    public IReadOnlyList<string> ZoneDatasetsBelow { get; init; } = [];

    public bool IsMounted => MountedAt is not null;

    /// <summary>
    /// Booted as a trial and not (yet) active on reboot: the console offers Keep (activate it) or Go
    /// back (end the trial; the next boot is the active BE again).
    /// </summary>
    public bool IsOnTrial => Trial != TrialState.None && IsBooted && !IsActiveOnReboot;

    /// <summary>The first of its children that is mounted, or null.</summary>
    public BeChild? MountedChild => Children.FirstOrDefault(c => c.IsMounted);

    /// <summary>Space of its snapshots and itself (like <c>beadm list</c>'s Space).</summary>
    public long SnapshotsUsed => Snapshots.Sum(s => s.Used);

    /// <summary>The flags column as beadm prints it: N, R, NR, T, ...</summary>
    public string Flags => (IsBooted ? "N" : "") + (IsActiveOnReboot ? "R" : "") + (IsNextBoot ? "T" : "");
}

/// <summary>A descendant file system of a BE's root: <c>pool/ROOT/be/var/lib</c> is <c>var/lib</c> of <c>be</c>.</summary>
public sealed record BeChild
{
    public required string Dataset { get; init; }
    /// <summary>Its name below the BE's root (<c>var/lib</c>), the same in every clone of the BE.</summary>
    public required string RelativeName { get; init; }
    public string? Origin { get; init; }
    public string? MountPoint { get; init; }
    /// <summary>
    /// True when its mountpoint is the one it would inherit (its parent's plus its own name): it then
    /// follows the BE wherever the BE is mounted. False for a mountpoint of its own, which the console
    /// sets again relative to the BE's place, as bectl does.
    /// </summary>
    public bool InheritsMountPoint { get; init; }
    public string? CanMount { get; init; }
    public string? MountedAt { get; init; }
    public required IReadOnlyList<Snapshot> Snapshots { get; init; }

    public bool IsMounted => MountedAt is not null;
}

public sealed record Snapshot
{
    public required string Name { get; init; }
    public required string Dataset { get; init; }
    public required string ShortName { get; init; }
    public DateTimeOffset Created { get; init; }
    public long Used { get; init; }
    public long Referenced { get; init; }
    public bool ConsoleMade { get; init; }
    /// <summary>File systems cloned from this snapshot.</summary>
    public required IReadOnlyList<string> Clones { get; init; }
}

public sealed record Zone
{
    public required string Name { get; init; }
    public required string Dataset { get; init; }
    public string? ZonePath { get; init; }
    /// <summary>The zone's own shared dataset, or null when not created yet.</summary>
    public SharedDataset? Shared { get; init; }
    public required IReadOnlyList<ZoneBe> BootEnvironments { get; init; }
}

public sealed record ZoneBe
{
    public required string Zone { get; init; }
    public required string Name { get; init; }
    public required string Dataset { get; init; }
    public string? ParentBe { get; init; }
    /// <summary>The global BE this zone BE belongs to; null when orphaned.</summary>
    public string? ParentBeName { get; init; }
    public bool Active { get; init; }
    public string? Origin { get; init; }
    public DateTimeOffset Created { get; init; }
    public long Used { get; init; }
    public long Referenced { get; init; }
    public string? MountedAt { get; init; }
    public string? MountPoint { get; init; }
    public required IReadOnlyList<Snapshot> Snapshots { get; init; }

    public bool IsOrphaned => ParentBeName is null;
    public bool IsMounted => MountedAt is not null;
}

/// <param name="Zone">null for the global zone's <c>pool/VARSHARED</c> (or the layout's counterpart, illumos' <c>rpool/VARSHARE</c>).</param>
/// <param name="Directory">Set for a dataset outside ROOT that is mounted at one fixed directory (<c>log</c> for
/// <c>rpool/var/log</c> at /var/log): that directory is shared by its own dataset.</param>
public sealed record SharedDataset(string? Zone, string Dataset, string? MountPoint, string? MountedAt, long Used, long Referenced,
    string? Directory = null);

/// <summary>
/// A trial boot (bectl's <c>activate -t</c>, what zectl's users ask for): a BE activated for the next
/// boot only carries <see cref="Zfs.UserProperties.Trial"/> until it is kept or given up.
/// </summary>
public enum TrialState
{
    None,
    /// <summary>Activated for one boot, or booted and not yet decided.</summary>
    Pending,
    /// <summary>Booted, and its health command did not pass in time: the next boot goes back.</summary>
    Failed,
}
