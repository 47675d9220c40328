using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// An upgrade's last part (ADR 0026), after its package command: each shared directory's upper tree
/// copied into the BE (<see cref="UpgradeStaging.StagedDirectory"/>) when the command passed, then every
/// staging mount taken off (the overlays, the tmpfs, the BE as <see cref="UnmountBe"/> does, the base
/// clone, destroyed; the base snapshot stays for the apply), and the BE marked "staged" or "failed".
/// Planned from what it finds mounted, so the same operation takes off what a crash left (recovery): a
/// BE still marked "running" with nothing running is finished as failed.
/// </summary>
public sealed record FinishUpgrade(string Name, bool Passed) : IOperation
{
    public string Action => "finish-upgrade";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => UpgradeStaging.Scope(latest, layout, Name);

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ??
        (be.Upgrade == UserProperties.UpgradeRunning ? null : new(ErrorCode.NotSupported, $"'{Name}' is not being upgraded."));

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        var staged = context.Staging is { } staging ? await staging.ListStagingAsync(ct) : [];
        var tmpfs = staged.FirstOrDefault(t => t.StartsWith($"{context.Options.TempRoot.TrimEnd('/')}/be-{Name}-stage.", StringComparison.Ordinal));
        if (be.MountedAt is { } root)
        {
            var overlays = Layout.SharedDirectories.Select(dir => (Dir: dir, Target: Layout.Under(root, $"{Layout.SharedMountPoint}/{dir}")))
                .Where(o => staged.Contains(o.Target)).ToList();
            if (Passed && tmpfs is not null)
            {
                ReportStaged(context, plan, tmpfs, overlays.Select(o => o.Dir),
                    (await context.ListingAsync(ct)).Find(UpgradeStaging.BaseClone(context.Layout, Name)));
                var keep = Layout.Under(root, UpgradeStaging.StagedDirectory);
                plan.Add($"make {UpgradeStaging.StagedDirectory} in {Name} (0700)", ["mkdir", "-p", "-m", "0700", keep],
                    run => FileSteps.CreateDirectoriesAsync(context.Files, run, keep, FileSteps.Private), new UndoNothing());
                RecordOpaque(context, plan, keep, tmpfs, overlays.Select(o => o.Dir));
                foreach (var (dir, _) in overlays)
                {
                    var copy = new TreeCopy(UpgradeStaging.Upper(tmpfs, dir), $"{keep}/{dir}", WithoutOverlayMarks: true);
                    plan.Add($"keep what the upgrade wrote into /var/{dir} in {Name} at {UpgradeStaging.StagedDirectory}/{dir}",
                        context.Files.DescribeCopy(copy), run => context.Files.CopyTreeAsync(copy, run.Ct), new UndoDeleteTree(copy.Target));
                }
            }
            foreach (var (dir, target) in overlays)
                plan.Add($"take off the staging overlay of /var/{dir}", context.Mounts.DescribeUnmount(target),
                    run => context.Mounts.UnmountAsync(target, run.Ct), new UndoNothing());
            var (proc, sys, dev, pts) = StageUpgrade.ChrootMounts(root);
            foreach (var chroot in new[] { pts, dev, sys, proc }.Where(staged.Contains))
                plan.Add($"take off {chroot} (the package command's)", context.Mounts.DescribeUnmount(chroot),
                    run => context.Mounts.UnmountAsync(chroot, run.Ct), new UndoNothing());
            await UnmountBe.PlanUnmountAsync(context, plan, be, ct);
        }
        if (tmpfs is not null)
        {
            plan.Add($"take off the staging tmpfs {tmpfs} (what it held is kept in {Name} or was not wanted)",
                context.Mounts.DescribeUnmount(tmpfs), run => context.Mounts.UnmountAsync(tmpfs, run.Ct), new UndoNothing());
            FileSteps.RemoveDirectory(context, plan, tmpfs);
        }
        if ((await context.ListingAsync(ct)).Find(UpgradeStaging.BaseClone(context.Layout, Name)) is { } baseClone)
            UpgradeStaging.PlanBaseCloneRelease(context, plan, Name, baseClone.Mounted ? baseClone.MountPoint : null);
        var outcome = Passed ? UserProperties.UpgradeStaged : UserProperties.UpgradeFailed;
        if (plan.PastNoReturn)
            context.AddIrreversibleZfs(plan, $"mark {Name} as {outcome}", new ZfsSet(be.Dataset, UserProperties.Upgrade, outcome));
        else
            context.AddZfs(plan, $"mark {Name} as {outcome}", new ZfsSet(be.Dataset, UserProperties.Upgrade, outcome),
                new ZfsSet(be.Dataset, UserProperties.Upgrade, UserProperties.UpgradeRunning));
        plan.Report.Insert(0, Passed
            ? $"{Name} is upgraded; what the upgrade wrote into shared directories waits in it at {UpgradeStaging.StagedDirectory} for its first boot."
            : $"The upgrade of {Name} failed: nothing of it reached the shared data. Read its output, then destroy {Name}.");
        return plan;
    }

    /// <summary>The start of each report line that names one staged write (<see cref="StagedLines"/> reads them back).</summary>
    public const string StagedPrefix = "staged: ";

    /// <summary>At most this many staged writes are named one by one; the rest are counted.</summary>
    public const int StagedLinesShown = 500;

    /// <summary>The staged writes a finish's report names ("/var/log/dpkg.log appended"), in the order it found them.</summary>
    public static IEnumerable<string> StagedLines(IEnumerable<string> report) =>
        report.Where(l => l.StartsWith(StagedPrefix, StringComparison.Ordinal)).Select(l => l[StagedPrefix.Length..]);

    /// <summary>
    /// The copies below leave overlayfs' xattrs out, and with them the marks of the directories the command
    /// removed and made again: which those are is read now, from the upper layers (as <see cref="ReportStaged"/>
    /// reads them), and kept in the BE as <see cref="OpaqueRecord"/> beside the staged trees, written whole, so the
    /// first boot's apply reads each of them as opaque again (ADR 0025).
    /// </summary>
    private void RecordOpaque(OperationContext context, Plan plan, string keep, string tmpfs, IEnumerable<string> dirs)
    {
        var uppers = dirs.ToDictionary(dir => dir, dir => UpgradeStaging.Upper(tmpfs, dir), StringComparer.Ordinal);
        var record = new OpaqueRecord(uppers.ToDictionary(u => u.Key, u => OpaqueRecord.Find(context.Files, u.Value), StringComparer.Ordinal));
        var named = record.Opaque.SelectMany(d => d.Value.Select(p => $"{Layout.SharedMountPoint}/{d.Key}/{p}")).ToList();
        var shown = named.Count == 0 ? "none"
            : string.Join(", ", named.Take(OpaqueShown)) + (named.Count > OpaqueShown ? $" and {named.Count - OpaqueShown} more" : "");
        var path = $"{keep}/{OpaqueRecord.FileName}";
        plan.Add($"record the directories the upgrade removed and made again ({shown}) in {Name} at " +
                 $"{UpgradeStaging.StagedDirectory}/{OpaqueRecord.FileName}: the copies lose their opaque marks",
            ["snapupgrade-record-opaque", .. uppers.Values, path], async run =>
            {
                await run.WillAsync(new UndoDeleteTree(FileSteps.TempName(path)));
                FileSteps.WriteWhole(context.Files, path, record.ToJson());
            }, new UndoDeleteTree(path));
    }

    /// <summary>At most this many recorded opaque directories are named in the plan's step; the rest are counted.</summary>
    private const int OpaqueShown = 20;

    /// <summary>
    /// What the command wrote into the shared directories, one report line each, read from the staging's
    /// upper layers against the base (as the first boot's apply will read them: <see cref="StagedChanges"/>).
    /// Read while planning, so a dry run of the finish shows them too.
    /// </summary>
    private static void ReportStaged(OperationContext context, Plan plan, string tmpfs, IEnumerable<string> dirs, ZfsDataset? baseClone)
    {
        if (baseClone is not { Mounted: true, MountPoint: { } baseDir }) return;
        var lines = dirs.SelectMany(dir => StagedChanges.Read(context.Files, UpgradeStaging.Upper(tmpfs, dir), $"{baseDir}/{dir}").Changes
            .Select(c => $"{Layout.SharedMountPoint}/{dir}/{c.Path} {c.Kind.ToString().ToLowerInvariant()}")).ToList();
        plan.Report.AddRange(lines.Take(StagedLinesShown).Select(l => StagedPrefix + l));
        if (lines.Count > StagedLinesShown) plan.Report.Add($"{StagedPrefix}... and {lines.Count - StagedLinesShown} more");
    }
}
