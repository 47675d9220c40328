using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// The first start of a BE an upgrade made (ADR 0025, 0026): what its package command wrote into shared
/// directories, kept in the BE at <see cref="UpgradeStaging.StagedDirectory"/>, is applied to the live
/// shared data against the base (the shared data as the command saw it, a read-only clone of the base
/// snapshot): new files added, appends appended, conflicts side by side, nothing overwritten. Each
/// directory's apply journals its own progress, so one cut off goes on where it stopped at the next
/// start. The report is audited; the staged tree and the base snapshot stay until the admin clears them.
/// </summary>
/// <param name="BeforeBoot">
/// The host's option to apply at activation (<c>Upgrade:ApplyAt=activation</c>): the BE is active for the next
/// boot but not booted; it is mounted for a moment in the console's private directory to read (and journal
/// in) its staged tree.
/// </param>
public sealed record ApplyStagedWrites(string Name, bool BeforeBoot = false) : IOperation
{
    public string Action => "apply-staged";
    public string? Target => Name;
    public bool AuditsReport => true;

    public ReadScope Scope(HostState latest, Layout layout) => UpgradeStaging.Scope(latest, layout, Name);

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } missing) return missing;
        if (be.Upgrade != UserProperties.UpgradeStaged) return new(ErrorCode.NotSupported, $"'{Name}' has no staged writes to apply.");
        if (!BeforeBoot)
            return be.IsBooted ? null : new(ErrorCode.NotSupported, $"'{Name}' is not booted: its staged writes are applied at its first start.");
        return Checks.FirstOf(
            () => be.IsBooted ? new(ErrorCode.NotSupported, $"'{Name}' is booted: its staged writes are applied at its start.") : null,
            () => be.IsActiveOnReboot || be.IsNextBoot ? null
                : new(ErrorCode.NotSupported, $"'{Name}' is not activated: its staged writes are applied when it is (or at its first start)."),
            () => Checks.NotMounted(be, "apply the staged writes of"),
            // The staged tree is on the root file system of the BE only when no child holds /var.
            () => be.Children.Any(c => c.RelativeName is "var" || "var/.snapupgrade".StartsWith(c.RelativeName + "/", StringComparison.Ordinal))
                ? new(ErrorCode.NotSupported, $"'{Name}' has its own /var file system: its staged writes are applied at its first start.")
                : null);
    }

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        var listing = await context.ListingAsync(ct);
        if (listing.Find(UpgradeStaging.BaseSnapshot(context.Layout, Name)) is null)
            throw new OperationRefusedException(new(ErrorCode.NotSupported,
                $"The base snapshot {UpgradeStaging.BaseSnapshot(context.Layout, Name)} is gone: the staged writes cannot be told from what was there."));
        // Before its boot, the BE mounted for a moment (read-write: the apply journals in its staged tree).
        var mount = new TemporaryMount(readOnlyUse: false);
        var root = BeforeBoot ? mount.Plan(context, plan, Name, be.Dataset, null, be.MountPoint ?? "/") : "";
        // A clone an apply cut off before its end left is used again.
        var baseDir = UpgradeStaging.PlanBaseClone(context, plan, Name, listing.Find(UpgradeStaging.BaseClone(context.Layout, Name)));
        // The finish's record of the directories the command made opaque (their marks did not survive the copy):
        // read once, by the first directory's step, when the BE is mounted.
        var opaque = new Lazy<OpaqueRecord?>(() => OpaqueRecord.Read(context.Files, $"{root}{UpgradeStaging.StagedDirectory}/{OpaqueRecord.FileName}"));
        foreach (var dir in Layout.SharedDirectories)
        {
            var staged = $"{root}{UpgradeStaging.StagedDirectory}/{dir}";
            var live = $"{Layout.SharedMountPoint}/{dir}";
            plan.Add($"apply what the upgrade wrote into /var/{dir} to {live}", ["snapupgrade-apply", staged, $"{baseDir}/{dir}", live], async run =>
            {
                if (context.Files.GetKind(staged) != FileKind.Directory) return;
                if (context.Files.GetKind($"{baseDir}/{dir}") != FileKind.Directory || context.Files.GetKind(live) != FileKind.Directory)
                {
                    plan.Report.Add($"/var/{dir}: the base or the live directory is missing; its staged writes stay in {staged}.");
                    return;
                }
                var changes = StagedChanges.Read(context.Files, staged, $"{baseDir}/{dir}", opaque.Value?.For(dir));
                var report = await new StagedApply(context.Files, changes, live, Name).RunAsync(run.Ct);
                plan.Report.AddRange(report.Lines);
            }, new UndoNothing());
        }
        mount.Release(plan);
        UpgradeStaging.PlanBaseCloneRelease(context, plan, Name, baseDir);
        context.AddIrreversibleZfs(plan, $"mark {Name} as applied", new ZfsSet(be.Dataset, UserProperties.Upgrade, UserProperties.UpgradeApplied));
        plan.Report.Add($"The staged tree stays in {Name} at {UpgradeStaging.StagedDirectory} and the snapshot " +
                        $"{UpgradeStaging.BaseSnapshot(context.Layout, Name)} stays: remove them when you no longer need them.");
        return plan;
    }
}
