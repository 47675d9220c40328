using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// An upgrade's first part (ADR 0026), on the BE made for it: marked "running", the shared dataset's
/// snapshot taken as the base and cloned read-only into a private directory, the BE mounted at a private
/// alternate root as <see cref="MountBe"/> does (shared data read-only), a private size-limited tmpfs for
/// the writes, and over each shared directory of the alternate root an overlay of the base with its upper
/// layer on that tmpfs. The package command then runs in <see cref="Plan.Report"/>'s alternate root;
/// <see cref="FinishUpgrade"/> keeps its writes in the BE and takes everything off again.
/// </summary>
public sealed record StageUpgrade(string Name, int StagingMiB = 512) : IOperation
{
    public string Action => "stage";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => UpgradeStaging.Scope(latest, layout, Name);

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } missing) return missing;
        if (state.SharedDatasets.FirstOrDefault(s => s.Zone is null)?.MountedAt != Layout.SharedMountPoint)
            return new(ErrorCode.SharedMissing, $"The shared dataset is not mounted at {Layout.SharedMountPoint}: there is nothing to stage.");
        return Checks.FirstOf(
            () => Checks.NotBooted(be, "upgrade"),
            () => be.IsMounted ? new(ErrorCode.BeIsMounted, $"'{Name}' is mounted at {be.MountedAt}: unmount it first.") : null,
            () => be.Upgrade is not null ? new(ErrorCode.UpgradeNotFinished, $"'{Name}' was already upgraded ({be.Upgrade}).") : null);
    }

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        if (context.Staging is not { } staging)
            throw new OperationRefusedException(new(ErrorCode.NotSupported, "This host has no staging mounts (overlayfs): upgrades are not supported here."));
        var be = state.Find(Name)!;
        var layout = context.Layout;
        var plan = new Plan();
        context.AddZfs(plan, $"mark {Name} as being upgraded", new ZfsSet(be.Dataset, UserProperties.Upgrade, UserProperties.UpgradeRunning),
            new ZfsInherit(be.Dataset, UserProperties.Upgrade));

        var snapshot = UpgradeStaging.BaseSnapshot(layout, Name);
        context.AddZfs(plan, $"snapshot the shared data as the upgrade's base: {snapshot}",
            new ZfsSnapshot(snapshot, properties: UserProperties.ConsoleMadeMark), new ZfsDestroy(snapshot));
        plan.Touches.Add(snapshot);
        var baseDir = UpgradeStaging.PlanBaseClone(context, plan, Name, (await context.ListingAsync(ct)).Find(UpgradeStaging.BaseClone(layout, Name)));

        var root = context.PrivateDirectory(Name);
        var mount = await new MountBe(Name, root).PlanAsync(context, state, ct);
        plan.Steps.AddRange(mount.Steps);

        PlanChrootMounts(context, staging, plan, root);

        var tmpfs = context.PrivateDirectory($"{Name}-stage");
        FileSteps.EnsureDirectory(context, plan, tmpfs);
        plan.Add($"mount a tmpfs of {StagingMiB} MiB at {tmpfs} for the staged writes", staging.DescribeTmpfs(tmpfs, StagingMiB),
            run => staging.MountTmpfsAsync(tmpfs, StagingMiB, run.Ct), new UndoUnmountStaging(tmpfs));
        foreach (var dir in Layout.SharedDirectories)
        {
            var upper = UpgradeStaging.Upper(tmpfs, dir);
            var work = UpgradeStaging.Work(tmpfs, dir);
            FileSteps.EnsureDirectory(context, plan, upper);
            FileSteps.EnsureDirectory(context, plan, work);
            var target = Layout.Under(root, $"{Layout.SharedMountPoint}/{dir}");
            var layers = new Host.OverlayLayers($"{baseDir}/{dir}", upper, work);
            plan.Add($"stage {Layout.SharedMountPoint}/{dir} of {Name}: an overlay of the base, its writes in {upper}",
                staging.DescribeOverlay(layers, target), run => StageAsync(context, staging, layers, target, run.Ct), new UndoUnmountStaging(target));
        }
        plan.Report.Add($"{Name} is mounted at {root} with its shared directories staged; live shared data is read-only there and is not changed.");
        plan.Report.Add(RootPrefix + root);
        return plan;
    }

    /// <summary>
    /// What a command run by <c>chroot {root}</c> needs there, where the BE has the directory: a fresh proc, a read-only sysfs, a
    /// private /dev with only the harmless nodes (never the host's), and a new devpts in it. A BE without the
    /// directory gets nothing there (nothing is written into the BE for it).
    /// </summary>
    private static void PlanChrootMounts(OperationContext context, Host.IStagingMounts staging, Plan plan, string root)
    {
        var (proc, sys, dev, pts) = ChrootMounts(root);
        plan.Add($"mount a fresh proc at {proc} for the package command", staging.DescribeProc(proc),
            run => WhereDirectoryAsync(context, proc, () => staging.MountProcAsync(proc, run.Ct)), new UndoUnmountStaging(proc));
        plan.Add($"mount a read-only sysfs at {sys} for the package command", staging.DescribeSys(sys),
            run => WhereDirectoryAsync(context, sys, () => staging.MountSysAsync(sys, run.Ct)), new UndoUnmountStaging(sys));
        plan.Add($"mount a private /dev at {dev}: null, zero, full, random, urandom, tty, no host device", staging.DescribeDev(dev),
            run => WhereDirectoryAsync(context, dev, () => staging.MountDevAsync(dev, run.Ct)), new UndoUnmountStaging(dev));
        plan.Add($"mount a new devpts instance at {pts}", staging.DescribePts(pts),
            run => WhereDirectoryAsync(context, pts, () => staging.MountPtsAsync(pts, run.Ct)), new UndoUnmountStaging(pts));
    }

    /// <summary>An alternate root's proc, sys, dev and dev/pts mount points, in the order they are mounted.</summary>
    public static (string Proc, string Sys, string Dev, string Pts) ChrootMounts(string root) =>
        (Layout.Under(root, "/proc"), Layout.Under(root, "/sys"), Layout.Under(root, "/dev"), Layout.Under(root, "/dev/pts"));

    private static Task WhereDirectoryAsync(OperationContext context, string path, Func<Task> mount) =>
        context.Files.GetKind(path) == Host.FileKind.Directory ? mount() : Task.CompletedTask;

    /// <summary>The start of the report line that names the alternate root (<see cref="RootOf"/> reads it back).</summary>
    public const string RootPrefix = "alternate root: ";

    /// <summary>The alternate root a stage's report names, or null.</summary>
    public static string? RootOf(IEnumerable<string> report) =>
        report.FirstOrDefault(l => l.StartsWith(RootPrefix, StringComparison.Ordinal))?[RootPrefix.Length..];

    /// <summary>
    /// The overlay of one shared directory; a directory the base does not have (nothing shared it yet) is
    /// made in the alternate root's read-only view only by the overlay itself: it is skipped, and the
    /// package tool's writes there fail as they would on the read-only shared data.
    /// </summary>
    private static async Task StageAsync(OperationContext context, Host.IStagingMounts staging, Host.OverlayLayers layers, string target, CancellationToken ct)
    {
        if (context.Files.GetKind(layers.Lower) != Host.FileKind.Directory || context.Files.GetKind(target) != Host.FileKind.Directory) return;
        await staging.MountOverlayAsync(layers, target, ct);
    }
}
