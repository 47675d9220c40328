using System.Globalization;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// One read of a pool as <c>zfs get -r</c> gives it, with space figures derived from the shared
/// trees (what a dataset holds that neither its neighbours nor its origin share). Stateless; the
/// caller holds <see cref="SimulatedZfs"/>'s lock.
/// </summary>
internal static class PoolReader
{
    /// <summary>Metadata a dataset holds whatever its files (zfs shows ~19K for an empty one).</summary>
    private const long DatasetOverhead = 19 * 1024;

    /// <param name="scope">Only these datasets are described (<see cref="IZfs.ReadAsync"/>); null: all of them.
    /// Space figures still come from the whole tree: zfs keeps them per dataset, and so does this reader (memoized).</param>
    public static PoolListing Read(DatasetTable datasets, MountTable mounts, string pool, ReadScope? scope = null)
    {
        if (!datasets.Pools.TryGetValue(pool, out var info))
            throw new ZfsCommandException(["zfs", "get", "-H", "-p", "-r", pool], 1, $"cannot open '{pool}': dataset does not exist\n");

        var members = datasets.All.Where(d => d.Pool == pool).ToList();
        var children = members.Where(d => !d.IsSnapshot && d.Parent is not null)
            .ToLookup(d => d.Parent!, StringComparer.Ordinal);
        var snapshots = members.Where(d => d.IsSnapshot)
            .GroupBy(d => d.FileSystem, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.Txg).ToList(), StringComparer.Ordinal);
        var mounted = mounts.MountedDatasets();
        var clones = members.Where(d => d.Origin is not null).CountBy(d => d.Origin!, StringComparer.Ordinal)
            .ToDictionary(StringComparer.Ordinal);
        var mountPoints = new Dictionary<string, string?>(StringComparer.Ordinal);
        var result = new List<ZfsDataset>(members.Count);

        // Depth first, like zfs get -r: a file system, its snapshots, then its children by name.
        long Visit(SimDataset fs)
        {
            var index = result.Count;
            var described = scope?.Covers(fs.Name) != false;
            if (described) result.Add(null!);
            var snaps = snapshots.GetValueOrDefault(fs.Name) ?? [];
            var originRoot = fs.Origin is not null ? datasets.Find(fs.Origin)?.Root : null;
            long snapshotsUsed = 0;
            for (var i = 0; i < snaps.Count; i++)
            {
                var previous = i > 0 ? snaps[i - 1].Root : originRoot;
                var next = i + 1 < snaps.Count ? snaps[i + 1].Root : fs.Root;
                var used = snaps[i].UniqueBytes(previous, next);
                snapshotsUsed += used;
                if (scope?.Covers(snaps[i].Name) != false)
                    result.Add(Describe(snaps[i], used, null, mounted: false) with { NumClones = clones.GetValueOrDefault(snaps[i].Name) });
            }
            var baseline = snaps.Count > 0 ? snaps[^1].Root : originRoot;
            var total = DatasetOverhead + fs.UniqueBytes(baseline, null) + snapshotsUsed
                + children[fs.Name].OrderBy(c => c.Name, StringComparer.Ordinal).Sum(Visit);
            if (described) result[index] = Describe(fs, total, datasets.EffectiveMountPoint(fs, mountPoints), mounted.Contains(fs.Name));
            return total;
        }

        var allocated = Visit(datasets[pool]);
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
        CreateTxg = d.Txg,
    };
}
