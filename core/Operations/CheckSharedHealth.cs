using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// A fresh look inside every BE and zone BE that is not mounted: each is mounted for a moment
/// (nosuid, nodev, noexec, in the console's private directory), its fixed directories read, and
/// put back. An operator's action, audited; reading shared health otherwise never mounts anything.
/// </summary>
public sealed record CheckSharedHealth : IOperation
{
    public string Action => "shared-check";
    public string? Target => null;

    public OperationError? Validate(HostState state) => null;

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var plan = new Plan();
        var entries = new List<BeSharedHealth>();
        var targets = SharedReader.Targets(state).ToList();
        foreach (var target in targets)
        {
            var mounts = new TemporaryMount(readOnlyUse: true);
            var root = mounts.Plan(context, plan, target.Label, target.Dataset, target.MountedAt, target.MountPoint);
            plan.Add($"read the shared directories of {target.Label}", ["stat", Layout.Under(root, "/var")], _ =>
            {
                entries.Add(SharedReader.Read(context.Files, target, root, context.Clock.GetUtcNow()));
                return Task.CompletedTask;
            }, new UndoNothing());
            mounts.Release(plan);
        }
        plan.Add("keep the report", ["true"], _ =>
        {
            plan.SharedHealth = new SharedHealthReport(entries, context.Clock.GetUtcNow());
            plan.Report.Add($"Checked {entries.Count} boot environment(s): " +
                            $"{entries.Count(e => e.AllOk)} all shared, {entries.Count(e => !e.AllOk)} not.");
            return Task.CompletedTask;
        }, new UndoNothing());
        return Task.FromResult(plan);
    }
}
