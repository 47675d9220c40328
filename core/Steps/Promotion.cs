using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// Promotion chains. Promoting a clone makes it take over its origin's snapshots up to the origin
/// snapshot; its new origin is the old origin's own origin. So a BE cloned N deep needs N promotes
/// to stand alone. Each promote is undone by promoting the file system it took over from.
/// </summary>
public static class Promotion
{
    /// <summary>All file systems' origins, from the state (global BEs with their children, and zone BEs), to plan promotes on.</summary>
    public static Dictionary<string, string?> Origins(HostState state) => FileSystems.Of(state).OriginsToChange();

    /// <summary>Plans promotes until <paramref name="dataset"/> has no origin.</summary>
    public static void PlanStandAlone(OperationContext context, Plan plan, Dictionary<string, string?> origins, string dataset)
    {
        var origin = origins.GetValueOrDefault(dataset);
        while (origin is not null)
        {
            var from = origin[..origin.IndexOf('@')];
            PlanPromote(context, plan, origins, dataset, from);
            origin = origins.GetValueOrDefault(dataset);
        }
    }

    /// <summary>Plans one promote of a clone of <paramref name="from"/>, and updates the origins map as zfs will.</summary>
    public static void PlanPromote(OperationContext context, Plan plan, Dictionary<string, string?> origins, string clone, string from)
    {
        var snapshot = origins[clone]!;
        var promote = new ZfsPromote(clone);
        plan.Add($"promote {clone} (takes over the snapshots of {from} up to {snapshot})", promote.Argv,
            run => context.Zfs.ExecuteAsync(promote, run.Ct), new UndoPromote(clone, from));
        origins[clone] = origins.GetValueOrDefault(from);
        origins[from] = $"{clone}@{snapshot[(snapshot.IndexOf('@') + 1)..]}";
    }
}
