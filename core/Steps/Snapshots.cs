using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>Taking one snapshot across several file systems (a BE and its zone BEs).</summary>
public static class Snapshots
{
    /// <summary>
    /// One atomic <c>zfs snapshot a@s b@s</c> where the backend takes several names (OpenZFS); one call
    /// per name where it does not (zfs-fuse), each undone on failure. A BE with children is taken with
    /// <c>-r</c>, so its whole tree is one atomic call on every backend; unless zone datasets sit below
    /// it, which are no part of it: then its root and children are named one by one. The console's own
    /// snapshots are marked on the same command (<c>-o</c>; zfs-fuse takes it too), so no crash can
    /// leave one unmarked: destroying the last BE cloned from one, and recovery, find it by the mark.
    /// </summary>
    public static void PlanTake(OperationContext context, Plan plan, BootEnvironment be, IEnumerable<string> zoneBes, string name, bool consoleMade)
    {
        var recursive = be.Children.Count > 0 && be.ZoneDatasetsBelow.Count == 0;
        IReadOnlyList<string> tree = recursive ? [be.Dataset] : [be.Dataset, .. be.Children.Select(c => c.Dataset)];
        var datasets = tree.Concat(zoneBes).ToList();
        var snapshots = datasets.Select(d => $"{d}@{name}").ToList();
        var mark = consoleMade ? UserProperties.ConsoleMadeMark : null;
        plan.Touches.UnionWith(be.Children.Select(c => $"{c.Dataset}@{name}").Concat(snapshots));
        ZfsDestroy Undo(string snapshot) => new(snapshot, Recursive: recursive && snapshot == snapshots[0]);
        if (context.Zfs.Capabilities.MultiSnapshot)
        {
            var take = new ZfsSnapshot(snapshots, recursive, mark);
            plan.Add($"snapshot {string.Join(", ", datasets)}{(recursive ? " with its children" : "")} at once as @{name}", take.Argv,
                run => context.Zfs.ExecuteAsync(take, run.Ct),
                new UndoZfs([.. snapshots.Select(Undo)]));
        }
        else
        {
            foreach (var snapshot in snapshots)
            {
                var deep = recursive && snapshot == snapshots[0];
                context.AddZfs(plan, $"snapshot {snapshot}{(deep ? " with its children" : "")}",
                    new ZfsSnapshot(snapshot, deep, mark), Undo(snapshot));
            }
        }
    }

    /// <summary>
    /// A timestamp name no snapshot in the pool has yet: promotes move snapshots between the BEs of
    /// one lineage, and zfs refuses a promote that would bring two snapshots of one name together.
    /// </summary>
    public static string FreeName(OperationContext context, HostState state)
    {
        var stamp = context.Timestamp();
        // Only names made from this stamp can be taken (at 1000 BEs a set of every snapshot's name was 11,000 strings).
        var taken = state.AllSnapshots.Select(s => s.ShortName).Where(n => n.StartsWith(stamp, StringComparison.Ordinal)).ToHashSet();
        var name = stamp;
        for (var n = 2; taken.Contains(name); n++) name = $"{stamp}-{n}";
        return name;
    }
}
