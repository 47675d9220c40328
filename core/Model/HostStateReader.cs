using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Model;

/// <summary>
/// Turns one <see cref="PoolListing"/> into a <see cref="HostState"/>. Pure: no IO. Given the state
/// read before, it builds again only the BEs whose own datasets, clones or container changed (issue 13:
/// after an operation at 1000 BEs, building every BE again was most of what the operation cost the
/// simulator); the others are the same objects as before. Each BE's sources are kept with the state for that.
/// </summary>
public static class HostStateReader
{
    public static HostState Read(PoolListing listing, DateTimeOffset readAt, HostState? previous = null)
    {
        var layout = new Layout(listing.Pool.Name);
        var parts = previous?.Sources is { } read && listing.ChangedSince(read.Listing) is { } touched
            ? Update(listing, layout, read, touched) : Sort(listing, layout);
        var byName = parts.Rest.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var restClones = parts.RestClones.ToLookup(d => d.Origin!, d => d.Name, StringComparer.Ordinal);
        // In zfs's own order (a listing spliced from scoped reads is not in it): within one second only the txg tells.
        var restSnapshots = parts.Rest.Where(d => d.IsSnapshot).OrderBy(d => d.CreateTxg)
            .ToLookup(d => d.FileSystem, d => ToSnapshot(d, restClones), StringComparer.Ordinal);
        var container = byName.GetValueOrDefault(layout.BeContainer);
        var nextBoot = container?.NextBoot;

        // Only zone BEs name their BE by uuid: most hosts have none, and then no index of a thousand roots is made.
        Dictionary<string, string>? uuidToBe = null;
        string? BeOfUuid(string uuid) => (uuidToBe ??= parts.Roots.Where(r => r.Value.Uuid is not null)
            .GroupBy(r => r.Value.Uuid!).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Key, StringComparer.Ordinal).First().Key)).GetValueOrDefault(uuid);
        var zoneBes = parts.Rest
            .Where(d => !d.IsSnapshot && layout.ZoneBeName(d.Name) is not null)
            .Select(d =>
            {
                var (zone, be) = layout.ZoneBeName(d.Name)!.Value;
                return new ZoneBe
                {
                    Zone = zone, Name = be, Dataset = d.Name, ParentBe = d.ParentBe,
                    ParentBeName = d.ParentBe is null ? null : BeOfUuid(d.ParentBe),
                    Active = d.Active == "on", Origin = d.Origin, Created = d.Created, Used = d.Used,
                    Referenced = d.Referenced, MountedAt = d.Mounted ? d.MountPoint : null,
                    MountPoint = d.MountPoint, Snapshots = [.. restSnapshots[d.Name].OrderBy(s => s.Created)],
                };
            })
            .ToList();
        var zoneBesByParent = zoneBes.Where(z => z.ParentBeName is not null).ToLookup(z => z.ParentBeName!, StringComparer.Ordinal);
        var zoneBesByZone = zoneBes.ToLookup(z => z.Zone, StringComparer.Ordinal);

        // A BE is built again unless its sources and its zone BEs are the ones it was built from (its origins aside:
        // they are set on the BE built before), and every BE when the container's marks (next boot, a tool's mark) changed.
        var marks = (container?.NextBoot, container?.MadeBy, HasContainer: container is not null);
        var kept = previous?.Sources is { } before && before.Container == marks ? before.Bes : null;
        var sources = new Dictionary<string, BeSources>(parts.Roots.Count, StringComparer.Ordinal);
        var bes = new List<BootEnvironment>(parts.Roots.Count);
        foreach (var (name, root) in parts.Roots)
        {
            var updated = parts.Kept.GetValueOrDefault(name);
            var own = updated ?? new BeSources(parts.Own[name], parts.Clones.GetValueOrDefault(name) ?? []);
            BootEnvironment be;
            // Sources that Update kept build as they did (they are the ones before, or those with new origins): not compared again.
            if (kept?.GetValueOrDefault(name) is { Built: { } built } was && (updated is not null || was.BuildsAs(own))
                && SameZoneBes(built.ZoneBes, zoneBesByParent[name]))
            {
                var activeOnReboot = listing.Pool.Bootfs == root.Name;
                be = built.IsActiveOnReboot == activeOnReboot ? built : built with { IsActiveOnReboot = activeOnReboot };
                if (!ReferenceEquals(was, own)) be = WithOrigins(be, root, own);
            }
            else be = Build(name, root, own, listing.Pool.Bootfs, nextBoot, container, zoneBesByParent[name]);
            sources[name] = ReferenceEquals(own.Built, be) ? own : own with { Built = be };
            bes.Add(be);
        }
        bes.Sort((a, b) => a.Created != b.Created ? a.Created.CompareTo(b.Created) : string.CompareOrdinal(a.Name, b.Name));

        var zones = parts.Rest
            .Where(d => !d.IsSnapshot && layout.ZoneName(d.Name) is not null)
            .Select(d =>
            {
                var name = layout.ZoneName(d.Name)!;
                return new Zone
                {
                    Name = name, Dataset = d.Name, ZonePath = d.MountPoint,
                    Shared = byName.TryGetValue(layout.ZoneShared(name), out var s) ? ToShared(name, s) : null,
                    BootEnvironments = [.. zoneBesByZone[name].OrderBy(z => z.Created).ThenBy(z => z.Name, StringComparer.Ordinal)],
                };
            })
            .OrderBy(z => z.Name, StringComparer.Ordinal).ToList();

        var hostLayout = HostLayout.Recognise(parts.Rest, layout, bes);
        var shared = new List<SharedDataset>();
        if (byName.TryGetValue(layout.SharedDataset, out var global)) shared.Add(ToShared(null, global));
        if (hostLayout.Kind == LayoutKind.Illumos) shared.Add(ToShared(null, byName[$"{layout.Pool}/{HostLayout.IllumosShared}"]));
        shared.AddRange(hostLayout.OwnDatasets.Select(o => ToShared(null, byName[o.Dataset]) with { Directory = o.Directory }));
        shared.AddRange(zones.Where(z => z.Shared is not null).Select(z => z.Shared!));

        return new HostState
        {
            Pool = listing.Pool.Name, PoolHealth = listing.Pool.Health, PoolSize = listing.Pool.Size,
            PoolAllocated = listing.Pool.Allocated, PoolFree = listing.Pool.Free, Bootfs = listing.Pool.Bootfs,
            BootEnvironments = bes, Zones = zones, SharedDatasets = shared, Layout = hostLayout,
            HasBeContainer = container is not null,
            HasZonesContainer = byName.ContainsKey(layout.ZonesContainer), ReadAt = readAt,
            Sources = new ReadSources(sources, marks, listing.Identity),
        };
    }

    private static BootEnvironment Build(string name, ZfsDataset root, BeSources own, string? bootfs, string? nextBoot,
        ZfsDataset? container, IEnumerable<ZoneBe> zoneBes)
    {
        var clones = own.Clones.ToLookup(d => d.Origin!, d => d.Name, StringComparer.Ordinal);
        var snapshots = own.Datasets.Where(d => d.IsSnapshot).OrderBy(d => d.CreateTxg)
            .ToLookup(d => d.FileSystem, d => ToSnapshot(d, clones), StringComparer.Ordinal);
        var fileSystems = own.Datasets.Where(d => !d.IsSnapshot).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var (children, zoned) = Descendants(root, fileSystems.Values.Where(d => d != root), fileSystems, snapshots);
        return new BootEnvironment
        {
            Name = name, Dataset = root.Name, Uuid = root.Uuid,
            Description = root.Description, MadeBy = root.Uuid is null ? root.MadeBy ?? container?.MadeBy : null, Keep = root.Keep == "on", CarryOverFrom = root.CarryOver,
            IsBooted = root.Mounted && root.MountPoint == "/",
            IsActiveOnReboot = bootfs == root.Name,
            IsNextBoot = nextBoot == name,
            Trial = root.Trial switch { null => TrialState.None, UserProperties.TrialFailed => TrialState.Failed, _ => TrialState.Pending },
            Upgrade = root.Upgrade,
            Origin = root.Origin, Created = root.Created, Used = root.Used,
            Referenced = root.Referenced, MountedAt = root.Mounted ? root.MountPoint : null,
            MountPoint = root.MountPoint, CanMount = root.CanMount,
            Snapshots = [.. snapshots[root.Name].OrderBy(s => s.Created)],
            ZoneBes = [.. zoneBes.OrderBy(z => z.Zone, StringComparer.Ordinal)],
            Children = children, ZoneDatasetsBelow = zoned,
        };
    }

    /// <summary><paramref name="built"/> with the origins its file systems have now (<see cref="BeSources.BuildsAs"/>): itself when none moved.</summary>
    private static BootEnvironment WithOrigins(BootEnvironment built, ZfsDataset root, BeSources own)
    {
        if (built.Origin != root.Origin) built = built with { Origin = root.Origin };
        if (built.Children.Count == 0) return built; // most BEs have none
        var origins = own.Datasets.Where(d => !d.IsSnapshot).ToDictionary(d => d.Name, d => d.Origin, StringComparer.Ordinal);
        return built.Children.All(c => c.Origin == origins[c.Dataset]) ? built
            : built with { Children = [.. built.Children.Select(c => c.Origin == origins[c.Dataset] ? c : c with { Origin = origins[c.Dataset] })] };
    }

    private static readonly IReadOnlyList<Snapshot> NoSnapshots = [];
    private static readonly IReadOnlyList<string> NoClones = [];

    /// <summary>A BE's zone BEs as built before and as read now: the same, field by field, snapshots and their clones included (in any order).</summary>
    private static bool SameZoneBes(IReadOnlyList<ZoneBe> before, IEnumerable<ZoneBe> now)
    {
        if (before.Count == 0) return !now.Any(); // most BEs have none
        var read = now.ToDictionary(z => z.Dataset, StringComparer.Ordinal);
        return read.Count == before.Count && before.All(b => read.TryGetValue(b.Dataset, out var n)
            && b with { Snapshots = NoSnapshots } == n with { Snapshots = NoSnapshots }
            && b.Snapshots.Count == n.Snapshots.Count
            && b.Snapshots.Zip(n.Snapshots).All(p => p.First with { Clones = NoClones } == p.Second with { Clones = NoClones }
                && p.First.Clones.SequenceEqual(p.Second.Clones)));
    }

    /// <summary>
    /// One pass over the listing: each global BE's own datasets (its root, everything below it, their
    /// snapshots), the clones of each BE's snapshots wherever they are, and the rest of the pool.
    /// </summary>
    private static ListingParts Sort(PoolListing listing, Layout layout)
    {
        var parts = new ListingParts();
        var prefix = layout.BeContainer + "/";
        foreach (var d in listing.Datasets)
        {
            if (Owner(d.Name, prefix) is { } owner)
            {
                Bucket(parts.Own, owner).Add(d);
                if (!d.IsSnapshot && d.Name.Length == prefix.Length + owner.Length) parts.Roots[owner] = d;
            }
            else parts.Rest.Add(d);
            if (d.Origin is { } origin)
            {
                if (Owner(origin, prefix) is { } of) Bucket(parts.Clones, of).Add(d);
                else parts.RestClones.Add(d);
            }
        }
        return parts;
    }

    /// <summary>
    /// The parts of a listing spliced from the one <paramref name="before"/> was read from, at the cost of what
    /// changed (<see cref="PoolListing.ChangedSince"/>): the BEs that own a touched name, or a touched origin, are
    /// taken from the listing's index; every other BE keeps its sources (and the BE built from them); the rest of
    /// the pool (outside the BE container: a few datasets) is taken whole.
    /// </summary>
    private static ListingParts Update(PoolListing listing, Layout layout, ReadSources before, IReadOnlySet<string> touched)
    {
        var parts = new ListingParts(before.Bes.Count);
        var index = listing.Index;
        var prefix = layout.BeContainer + "/";
        var changed = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var name in touched)
            if (Owner(name, prefix) is { } owner) Bucket(changed, owner).Add(name);
        foreach (var (name, sources) in before.Bes)
        {
            var kept = changed.TryGetValue(name, out var names) ? Reorigined(sources, index, names) : sources;
            if (kept is null) continue;
            parts.Kept[name] = kept;
            parts.Roots[name] = kept.Datasets.First(d => d.Name.Length == prefix.Length + name.Length && !d.IsSnapshot);
        }
        foreach (var name in changed.Keys)
        {
            if (parts.Kept.ContainsKey(name) || index.Find(prefix + name) is not { IsSnapshot: false } root) continue;
            parts.Roots[name] = root;
            List<ZfsDataset> own = [root, .. index.StartingWith(prefix + name + "/"), .. index.StartingWith(prefix + name + "@")];
            parts.Own[name] = own;
            parts.Clones[name] = [.. own.Where(d => d.IsSnapshot).SelectMany(s => index.ClonesOf(s.Name))];
        }
        foreach (var d in index.NotStartingWith(prefix))
        {
            parts.Rest.Add(d);
            if (d.IsSnapshot) parts.RestClones.AddRange(index.ClonesOf(d.Name));
        }
        return parts;
    }

    /// <summary>
    /// The sources of a BE whose only change is the origin of some of its file systems (a promote elsewhere moved the
    /// snapshots they were cloned from: at 1000 BEs an activation re-points nearly every BE), from the ones before and
    /// the listing's records of its <paramref name="touched"/> names; null when anything else changed (a name added or
    /// gone, any other property, a snapshot of its: its clones may have changed), and the BE's datasets are taken anew.
    /// </summary>
    private static BeSources? Reorigined(BeSources before, DatasetIndex index, List<string> touched)
    {
        ZfsDataset[]? datasets = null;
        foreach (var name in touched)
        {
            var at = -1;
            for (var i = 0; i < before.Datasets.Count && at < 0; i++)
                if (before.Datasets[i].Name == name) at = i;
            if (at < 0 || before.Datasets[at].IsSnapshot || index.Find(name) is not { } now) return null;
            var was = before.Datasets[at];
            if (now == was) continue;
            if (now.Origin == was.Origin || !now.SameAs(was, DatasetFields.Origin)) return null;
            (datasets ??= [.. before.Datasets])[at] = now;
        }
        return datasets is null ? before : before with { Datasets = datasets };
    }

    /// <summary>The BE whose tree holds <paramref name="name"/>, from its name; null outside the BE container (<paramref name="prefix"/>).</summary>
    private static string? Owner(string name, string prefix)
    {
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var end = name.AsSpan(prefix.Length).IndexOfAny('/', '@');
        return end < 0 ? name[prefix.Length..] : name.Substring(prefix.Length, end);
    }

    private static List<T> Bucket<T>(Dictionary<string, List<T>> index, string key)
    {
        if (!index.TryGetValue(key, out var list)) index.Add(key, list = []);
        return list;
    }

    private sealed class ListingParts(int bes = 0)
    {
        public Dictionary<string, ZfsDataset> Roots { get; } = new(bes, StringComparer.Ordinal);
        public Dictionary<string, List<ZfsDataset>> Own { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, List<ZfsDataset>> Clones { get; } = new(StringComparer.Ordinal);
        public List<ZfsDataset> Rest { get; } = [];
        public List<ZfsDataset> RestClones { get; } = [];
        /// <summary>BEs whose sources did not change since the state read before (<see cref="Update"/>), or whose only change
        /// is the origins of their file systems (<see cref="Reorigined"/>): built as they were, their origins set.</summary>
        public Dictionary<string, BeSources> Kept { get; } = new(bes, StringComparer.Ordinal);
    }

    /// <summary>
    /// The file systems below a BE's root, parents first: its children, and apart from them the zone
    /// datasets below it (a zone BE by its <c>parentbe</c> mark, or anything at /zones) with all under those.
    /// </summary>
    private static (List<BeChild> Children, List<string> Zoned) Descendants(ZfsDataset root, IEnumerable<ZfsDataset> below,
        Dictionary<string, ZfsDataset> byName, ILookup<string, Snapshot> snapshots)
    {
        var children = new List<BeChild>();
        var zoned = new List<string>();
        var prefix = root.Name + "/";
        foreach (var d in below.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var relative = d.Name[prefix.Length..];
            if (IsZoneData(d, relative) || zoned.Any(z => d.Name.StartsWith(z + "/", StringComparison.Ordinal)))
            {
                zoned.Add(d.Name);
                continue;
            }
            var parent = byName[d.Name[..d.Name.LastIndexOf('/')]];
            children.Add(new BeChild
            {
                Dataset = d.Name, RelativeName = relative, Origin = d.Origin, MountPoint = d.MountPoint,
                InheritsMountPoint = d.MountPoint == Inherited(parent.MountPoint, d.Name[(d.Name.LastIndexOf('/') + 1)..]),
                CanMount = d.CanMount, MountedAt = d.Mounted ? d.MountPoint : null,
                Snapshots = [.. snapshots[d.Name].OrderBy(s => s.Created)],
            });
        }
        return (children, zoned);
    }

    private static bool IsZoneData(ZfsDataset d, string relative) =>
        d.ParentBe is not null || IsUnder("/" + relative, Layout.ZonesMountPoint) || IsUnder(d.MountPoint, Layout.ZonesMountPoint);

    private static bool IsUnder(string? path, string root) =>
        path is not null && (path == root || path.StartsWith(root + "/", StringComparison.Ordinal));

    /// <summary>What a file system named <paramref name="name"/> inherits below a parent mounted at <paramref name="parent"/>.</summary>
    private static string? Inherited(string? parent, string name) =>
        parent is not null && parent.StartsWith('/') ? $"{parent.TrimEnd('/')}/{name}" : parent;

    private static Snapshot ToSnapshot(ZfsDataset d, ILookup<string, string> clones) => new()
    {
        Name = d.Name, Dataset = d.FileSystem, ShortName = d.SnapshotName!, Created = d.Created,
        Used = d.Used, Referenced = d.Referenced, ConsoleMade = d.ConsoleMade == "on",
        Clones = [.. clones[d.Name].Order(StringComparer.Ordinal)],
    };

    private static SharedDataset ToShared(string? zone, ZfsDataset d) =>
        new(zone, d.Name, d.MountPoint, d.Mounted ? d.MountPoint : null, d.Used, d.Referenced);
}
