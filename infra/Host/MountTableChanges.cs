using System.Runtime.CompilerServices;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IHostChanges"/> from the mount table (<see cref="MountTableWatch"/>): when it changed, the
/// datasets of <paramref name="pool"/> whose mounts came, went or changed (zfs and zfs-fuse mounts, binds
/// of them included) are named. Mounts of anything else are no part of the host's state and say nothing.
/// </summary>
public sealed class MountTableChanges(string pool) : IHostChanges
{
    public async IAsyncEnumerable<HostChange> FollowAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var watch = MountTableWatch.Open();
        var before = PoolMounts(await File.ReadAllTextAsync(MountTableWatch.Path, ct));
        yield return HostChange.Resumed(DateTimeOffset.UtcNow);
        while (true)
        {
            await watch.WaitAsync(ct);
            var at = DateTimeOffset.UtcNow;
            var after = PoolMounts(await File.ReadAllTextAsync(MountTableWatch.Path, ct));
            var changed = Changed(before, after);
            before = after;
            if (changed.Count > 0) yield return new HostChange(at, changed);
        }
    }

    /// <summary>The mounts of this pool's datasets, without the numbers the kernel gives each mount.</summary>
    private List<MountInfoEntry> PoolMounts(string table) =>
    [
        .. MountInfoParser.Parse(table)
            .Where(m => MountInfoParser.ZfsTypes.Contains(m.FsType) && IsOfPool(m.Source))
            .Select(m => m with { Id = 0, ParentId = 0 }),
    ];

    private bool IsOfPool(string dataset) =>
        dataset == pool || (dataset.StartsWith(pool, StringComparison.Ordinal) && dataset.Length > pool.Length && dataset[pool.Length] is '/' or '@');

    /// <summary>The datasets whose mounts differ between the two tables (counted: a second mount of one is a change).</summary>
    public static IReadOnlyList<string> Changed(IReadOnlyList<MountInfoEntry> before, IReadOnlyList<MountInfoEntry> after)
    {
        var count = before.CountBy(m => m).ToDictionary();
        foreach (var mount in after) count[mount] = count.GetValueOrDefault(mount) - 1;
        return [.. count.Where(c => c.Value != 0).Select(c => c.Key.Source).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    internal IReadOnlyList<string> ChangedIn(string before, string after) => Changed(PoolMounts(before), PoolMounts(after));
}
