using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// The first start of a migrated BE: what the BE it was cloned from wrote into its own /var/adm,
/// /var/log, /var/mail and /var/spool after the clone point (mail delivered, log lines written
/// while the migrated BE waited for its reboot) is carried into the shared datasets, once. Late
/// writes are found by content: the old BE's directory against the clone-point copy that the
/// migration kept aside in this BE. New files are added; a file that differs from what the shared
/// dataset holds goes side by side as <c>name.&lt;old be&gt;</c>; nothing is overwritten or deleted.
/// </summary>
public sealed record CarryOver(string Name) : IOperation
{
    public string Action => "carry-over";
    public string? Target => Name;
    public bool AuditsReport => true;

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } error) return error;
        if (!be.IsBooted) return new(ErrorCode.NotSupported, $"'{Name}' is not booted: late writes are carried over on its first start.");
        return be.CarryOverFrom is null ? new(ErrorCode.NotSupported, $"'{Name}' has nothing to carry over.") : null;
    }

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        var from = state.BootEnvironments.FirstOrDefault(b => b.Uuid == be.CarryOverFrom && !b.IsBooted);
        SharedCopy? copies = null;
        if (from is null)
        {
            plan.Report.Add($"The boot environment {Name} was cloned from is gone; there is nothing to carry over.");
        }
        else
        {
            var mounts = new TemporaryMount(readOnlyUse: true);
            copies = new SharedCopy(context, plan, from.Name);
            var fromRoot = mounts.Plan(context, plan, from.Name, from.Dataset, from.MountedAt, "/");
            PlanTree(context, plan, copies, from.Name, fromRoot, "/", Layout.SharedMountPoint);
            foreach (var zone in state.Zones)
            {
                var oldZoneBe = zone.BootEnvironments.FirstOrDefault(zb => zb.ParentBe == from.Uuid);
                var newZoneBe = zone.BootEnvironments.FirstOrDefault(zb => zb.ParentBe == be.Uuid);
                if (oldZoneBe is null || newZoneBe?.MountedAt is not { } newRoot || zone.Shared?.MountedAt is not { } shared) continue;
                var oldRoot = mounts.Plan(context, plan, $"{zone.Name}-{from.Name}", oldZoneBe.Dataset, oldZoneBe.MountedAt, Layout.ZoneRoot(zone.Name));
                PlanTree(context, plan, copies, $"{from.Name} (zone {zone.Name})", oldRoot, newRoot, shared);
            }
            mounts.Release(plan);
            plan.Report.Add($"The clone-point copies stay in {Name} at {MigrateShared.KeptAside}, and {from.Name} keeps its own " +
                            "directories: remove them when you no longer need them.");
        }
        context.AddZfs(plan, $"carried over: clear {UserProperties.CarryOver} on {be.Dataset}",
            new ZfsInherit(be.Dataset, UserProperties.CarryOver), new ZfsSet(be.Dataset, UserProperties.CarryOver, be.CarryOverFrom!));
        // The staging cleanup comes last: past it there is no undo, and by then the mark is cleared.
        copies?.PlanCleanup();
        return Task.FromResult(plan);
    }

    private static void PlanTree(OperationContext context, Plan plan, SharedCopy copies, string label, string fromRoot, string newRoot, string shared)
    {
        var files = context.Files;
        foreach (var dir in Layout.SharedDirectories)
        {
            var source = Layout.Under(fromRoot, $"/var/{dir}");
            var clonePoint = Layout.Under(newRoot, $"{MigrateShared.KeptAside}/{dir}");
            var destination = $"{shared}/{dir}";
            copies.Plan(label, source, shared, destination, () =>
                files.GetKind(source) == FileKind.Directory && files.GetKind(clonePoint) == FileKind.Directory &&
                files.GetKind(destination) == FileKind.Directory, compareWith: clonePoint);
        }
    }
}
