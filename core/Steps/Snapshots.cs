using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>Taking one snapshot across several file systems (a BE and its zone BEs).</summary>
public static class Snapshots
{
    /// <summary>
    /// One atomic <c>zfs snapshot a@s b@s</c> where the backend takes several names (OpenZFS); one call
    /// per name where it does not (zfs-fuse), each undone on failure. The console's own snapshots are
    /// marked on the same command (<c>-o</c>; zfs-fuse takes it too), so no crash can leave one unmarked:
    /// destroying the last BE cloned from one, and recovery, find it by the mark.
    /// </summary>
    public static void PlanTake(OperationContext context, Plan plan, IReadOnlyList<string> datasets, string name, bool consoleMade)
    {
        var snapshots = datasets.Select(d => $"{d}@{name}").ToList();
        var mark = consoleMade ? UserProperties.ConsoleMadeMark : null;
        if (context.Zfs.Capabilities.MultiSnapshot)
        {
            var take = new ZfsSnapshot(snapshots, properties: mark);
            plan.Add($"snapshot {string.Join(", ", datasets)} at once as @{name}", take.Argv,
                run => context.Zfs.ExecuteAsync(take, run.Ct),
                new UndoZfs([.. snapshots.Select(s => new ZfsDestroy(s))]));
        }
        else
        {
            foreach (var snapshot in snapshots)
                context.AddZfs(plan, $"snapshot {snapshot}", new ZfsSnapshot(snapshot, properties: mark), new ZfsDestroy(snapshot));
        }
    }

    /// <summary>
    /// A timestamp name no snapshot in the pool has yet: promotes move snapshots between the BEs of
    /// one lineage, and zfs refuses a promote that would bring two snapshots of one name together.
    /// </summary>
    public static string FreeName(OperationContext context, HostState state)
    {
        var stamp = context.Timestamp();
        var taken = state.AllSnapshots.Select(s => s.ShortName).ToHashSet();
        var name = stamp;
        for (var n = 2; taken.Contains(name); n++) name = $"{stamp}-{n}";
        return name;
    }
}
