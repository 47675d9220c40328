using System.Globalization;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// One read of a pool as <c>zfs get -r</c> gives it, or of some of its datasets, with space figures
/// derived from the shared trees (what a dataset holds that neither its neighbours nor its origin
/// share). Stateless; the caller holds <see cref="SimulatedZfs"/>'s lock.
/// </summary>
internal static class PoolReader
{
    /// <summary>Metadata a dataset holds whatever its files (zfs shows ~19K for an empty one).</summary>
    private const long DatasetOverhead = 19 * 1024;

    /// <param name="scope">Only these datasets are described (<see cref="IZfs.ReadAsync"/>), at the cost of what they are
    /// (the table's indexes); null: all of them. Space figures are the table's (<see cref="DatasetTable.Total"/>):
    /// kept per file system as zfs keeps them, and worked out again only below what changed.</param>
    public static PoolListing Read(DatasetTable datasets, MountTable mounts, string pool, ReadScope? scope = null)
    {
        if (!datasets.Pools.TryGetValue(pool, out var info))
            throw new ZfsCommandException(["zfs", "get", "-H", "-p", "-r", pool], 1, $"cannot open '{pool}': dataset does not exist\n");

        var mounted = mounts.MountedDatasets();
        var mountPoints = new Dictionary<string, string?>(StringComparer.Ordinal);
        var result = new List<ZfsDataset>();
        var described = new HashSet<string>(StringComparer.Ordinal);
        void Add(SimDataset d)
        {
            if (!described.Add(d.Name)) return;
            if (d.IsSnapshot)
            {
                datasets.Total(datasets[d.FileSystem], DatasetOverhead); // sets its SnapshotUsed
                result.Add(Describe(d, d.SnapshotUsed, null, mounted: false) with { NumClones = datasets.CloneCount(d.Name) });
            }
            else
            {
                result.Add(Describe(d, datasets.Total(d, DatasetOverhead), datasets.EffectiveMountPoint(d, mountPoints), mounted.Contains(d.Name)));
            }
        }
        // Depth first, like zfs get -r: a file system, its snapshots, then its children by name.
        void Walk(SimDataset fs, bool withSnapshots)
        {
            Add(fs);
            if (withSnapshots) foreach (var snapshot in datasets.SnapshotsOf(fs.Name)) Add(snapshot);
            foreach (var child in datasets.ChildrenOf(fs.Name)) Walk(child, withSnapshots);
        }

        var root = datasets[pool];
        if (scope is null) Walk(root, withSnapshots: true);
        else
        {
            foreach (var tree in scope.Trees.Order(StringComparer.Ordinal).Select(datasets.Find).OfType<SimDataset>().Where(d => d.Pool == pool))
            {
                if (tree.IsSnapshot) Add(tree);
                else Walk(tree, withSnapshots: true);
            }
            foreach (var fs in scope.FileSystems.Order(StringComparer.Ordinal).Select(datasets.FindFileSystem).OfType<SimDataset>().Where(d => d.Pool == pool))
                Walk(fs, withSnapshots: false);
            foreach (var single in scope.Singles.Order(StringComparer.Ordinal).Select(datasets.Find).OfType<SimDataset>().Where(d => d.Pool == pool))
                Add(single);
        }
        var allocated = datasets.Total(root, DatasetOverhead);
        var poolInfo = new PoolInfo(pool, "ONLINE", info.Bootfs, Altroot: null, info.Guid, info.Size, allocated,
            Math.Max(0, info.Size - allocated));
        return new PoolListing(poolInfo, result);
    }

    private static ZfsDataset Describe(SimDataset d, long used, string? mountPoint, bool mounted) => new()
    {
        Name = d.Name,
        Kind = d.IsSnapshot ? DatasetKind.Snapshot : DatasetKind.Filesystem,
        Created = d.Created,
        Used = used,
        Referenced = DatasetOverhead + d.Root.Size,
        Origin = d.Origin,
        MountPoint = mountPoint,
        Mounted = mounted,
        CanMount = d.IsSnapshot ? null : d.CanMount,
        Uuid = d.Local.GetValueOrDefault(UserProperties.Uuid),
        ParentBe = d.Local.GetValueOrDefault(UserProperties.ParentBe),
        Active = d.Local.GetValueOrDefault(UserProperties.Active),
        Description = d.Local.GetValueOrDefault(UserProperties.Description),
        Keep = d.Local.GetValueOrDefault(UserProperties.Keep),
        NextBoot = d.Local.GetValueOrDefault(UserProperties.NextBoot),
        Trial = d.Local.GetValueOrDefault(UserProperties.Trial),
        Upgrade = d.Local.GetValueOrDefault(UserProperties.Upgrade),
        ConsoleMade = d.Local.GetValueOrDefault(UserProperties.ConsoleMade),
        CarryOver = d.Local.GetValueOrDefault(UserProperties.CarryOver),
        AuditHead = d.Local.GetValueOrDefault(UserProperties.AuditHead),
        ZbmCommandLine = d.Local.GetValueOrDefault(UserProperties.ZbmCommandLine),
        MadeBy = ForeignProperties.Tool(property => d.Local.GetValueOrDefault(property)),
        // zfs's guid is random; the simulator's creation counter is as unique in the pool and as lasting.
        Guid = d.Txg.ToString(CultureInfo.InvariantCulture),
        CreateTxg = d.CreateTxg,
    };
}
