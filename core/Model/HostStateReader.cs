using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Model;

/// <summary>Turns one <see cref="PoolListing"/> into a <see cref="HostState"/>. Pure: no IO.</summary>
public static class HostStateReader
{
    public static HostState Read(PoolListing listing, DateTimeOffset readAt)
    {
        var layout = new Layout(listing.Pool.Name);
        var byName = listing.Datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var clones = listing.Datasets.Where(d => d.Origin is not null)
            .ToLookup(d => d.Origin!, d => d.Name, StringComparer.Ordinal);
        // In zfs's own order (a listing spliced from scoped reads is not in it): within one second only the txg tells.
        var snapshots = listing.Datasets.Where(d => d.IsSnapshot).OrderBy(d => d.CreateTxg)
            .ToLookup(d => d.FileSystem, d => ToSnapshot(d, clones), StringComparer.Ordinal);
        var nextBoot = byName.GetValueOrDefault(layout.BeContainer)?.NextBoot;

        var globals = listing.Datasets
            .Where(d => !d.IsSnapshot && layout.BeName(d.Name) is not null)
            .Select(d => (Dataset: d, Name: layout.BeName(d.Name)!))
            .ToList();
        var uuidToBe = globals.Where(g => g.Dataset.Uuid is not null)
            .GroupBy(g => g.Dataset.Uuid!).ToDictionary(g => g.Key, g => g.First().Name);

        var zoneBes = listing.Datasets
            .Where(d => !d.IsSnapshot && layout.ZoneBeName(d.Name) is not null)
            .Select(d =>
            {
                var (zone, be) = layout.ZoneBeName(d.Name)!.Value;
                return new ZoneBe
                {
                    Zone = zone, Name = be, Dataset = d.Name, ParentBe = d.ParentBe,
                    ParentBeName = d.ParentBe is null ? null : uuidToBe.GetValueOrDefault(d.ParentBe),
                    Active = d.Active == "on", Origin = d.Origin, Created = d.Created, Used = d.Used,
                    Referenced = d.Referenced, MountedAt = d.Mounted ? d.MountPoint : null,
                    MountPoint = d.MountPoint, Snapshots = [.. snapshots[d.Name].OrderBy(s => s.Created)],
                };
            })
            .ToList();

        var container = byName.GetValueOrDefault(layout.BeContainer);
        var below = Below(listing.Datasets, globals.Select(g => g.Dataset.Name).ToHashSet(StringComparer.Ordinal));
        var zoneBesByParent = zoneBes.Where(z => z.ParentBeName is not null).ToLookup(z => z.ParentBeName!, StringComparer.Ordinal);
        var zoneBesByZone = zoneBes.ToLookup(z => z.Zone, StringComparer.Ordinal);
        var bes = globals.Select(g =>
        {
            var (children, zoned) = Descendants(g.Dataset, below[g.Dataset.Name], byName, snapshots);
            return new BootEnvironment
            {
                Name = g.Name, Dataset = g.Dataset.Name, Uuid = g.Dataset.Uuid,
                Description = g.Dataset.Description, MadeBy = g.Dataset.Uuid is null ? g.Dataset.MadeBy ?? container?.MadeBy : null, Keep = g.Dataset.Keep == "on", CarryOverFrom = g.Dataset.CarryOver,
                IsBooted = g.Dataset.Mounted && g.Dataset.MountPoint == "/",
                IsActiveOnReboot = listing.Pool.Bootfs == g.Dataset.Name,
                IsNextBoot = nextBoot == g.Name,
                Trial = g.Dataset.Trial switch { null => TrialState.None, UserProperties.TrialFailed => TrialState.Failed, _ => TrialState.Pending },
                Upgrade = g.Dataset.Upgrade,
                Origin = g.Dataset.Origin, Created = g.Dataset.Created, Used = g.Dataset.Used,
                Referenced = g.Dataset.Referenced, MountedAt = g.Dataset.Mounted ? g.Dataset.MountPoint : null,
                MountPoint = g.Dataset.MountPoint, CanMount = g.Dataset.CanMount,
                Snapshots = [.. snapshots[g.Dataset.Name].OrderBy(s => s.Created)],
                ZoneBes = [.. zoneBesByParent[g.Name].OrderBy(z => z.Zone, StringComparer.Ordinal)],
                Children = children, ZoneDatasetsBelow = zoned,
            };
        }).OrderBy(b => b.Created).ThenBy(b => b.Name, StringComparer.Ordinal).ToList();

        var zones = listing.Datasets
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

        var hostLayout = HostLayout.Recognise(listing, layout, bes);
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
            HasBeContainer = byName.ContainsKey(layout.BeContainer),
            HasZonesContainer = byName.ContainsKey(layout.ZonesContainer), ReadAt = readAt,
        };
    }

    /// <summary>The file systems below each BE root, found from each file system's own ancestors (a thousand BEs need no thousand passes).</summary>
    private static ILookup<string, ZfsDataset> Below(IReadOnlyList<ZfsDataset> datasets, HashSet<string> roots) =>
        datasets.Where(d => !d.IsSnapshot)
            .SelectMany(d => Ancestors(d.Name).Where(roots.Contains).Select(root => (Root: root, Dataset: d)))
            .ToLookup(x => x.Root, x => x.Dataset, StringComparer.Ordinal);

    private static IEnumerable<string> Ancestors(string name)
    {
        for (var slash = name.LastIndexOf('/'); slash > 0; slash = name.LastIndexOf('/', slash - 1))
            yield return name[..slash];
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
