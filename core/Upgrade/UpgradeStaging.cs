using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Upgrade;

/// <summary>Where an upgrade's staging lives (ADR 0026): the names every part of it agrees on.</summary>
public static class UpgradeStaging
{
    /// <summary>The shared dataset's snapshot at staging time: the overlays' lower layer, and what the apply compares with.</summary>
    public static string BaseSnapshot(Layout layout, string be) => $"{layout.SharedDataset}@upgrade-{be}";

    /// <summary>The read-only clone of <see cref="BaseSnapshot"/> the overlays stack on (zfs-fuse cannot mount a snapshot).</summary>
    public static string BaseClone(Layout layout, string be) => $"{layout.Pool}/snapupgrade-base-{be}";

    /// <summary>What an upgrade's operations read: the base scope, the BE's file systems, the base snapshot and its clone by name.</summary>
    public static ReadScope Scope(HostState latest, Layout layout, string be) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.BeFileSystems(latest, layout, be),
        Names.Check(be) is not null ? ReadScope.Empty : new([], [BaseSnapshot(layout, be), BaseClone(layout, be)]));

    /// <summary>Inside the new BE: where each shared directory's staged writes are kept, <c>&lt;this&gt;/&lt;dir&gt;</c>.</summary>
    public const string StagedDirectory = "/var/.snapupgrade/staged";

    /// <summary>In the private staging tmpfs: a shared directory's upper and work directories.</summary>
    public static string Upper(string tmpfs, string dir) => $"{tmpfs}/{dir}/upper";

    public static string Work(string tmpfs, string dir) => $"{tmpfs}/{dir}/work";

    /// <summary>
    /// Plans the base's read-only clone, mounted in a fresh private directory (returned): what the overlays
    /// stack on while staging, and what the apply compares with. Read-only, without setuid, devices or exec
    /// by its properties, whoever mounts it: zfs-fuse mounts a clone as soon as it has a mountpoint, before
    /// any mount command could give options. A clone an earlier run left (<paramref name="existing"/>) is
    /// used again. <see cref="PlanBaseCloneRelease"/> takes it away.
    /// </summary>
    public static string PlanBaseClone(OperationContext context, Plan plan, string be, ZfsDataset? existing = null)
    {
        var clone = BaseClone(context.Layout, be);
        context.CheckPrivateRoot();
        var baseDir = context.PrivateDirectory($"{be}-base");
        FileSteps.EnsureDirectory(context, plan, baseDir);
        if (existing is null)
        {
            context.AddZfs(plan, $"clone the base read-only as {clone}", new ZfsClone(BaseSnapshot(context.Layout, be), clone, new Dictionary<string, string>
            {
                ["canmount"] = "noauto", ["readonly"] = "on", ["setuid"] = "off", ["devices"] = "off", ["exec"] = "off",
                [UserProperties.ConsoleMade] = "on",
            }), new ZfsDestroy(clone));
        }
        else if (existing.Mounted)
        {
            context.AddZfs(plan, $"unmount the base {clone} an earlier run left", new ZfsUnmount(clone), new ZfsMount(clone));
        }
        context.AddZfs(plan, $"mount point of {clone}: {baseDir}", new ZfsSet(clone, "mountpoint", baseDir),
            existing?.MountPoint is { } before ? new ZfsSet(clone, "mountpoint", before) : null);
        var mount = new ZfsMount(clone);
        plan.Add($"mount {clone} at {baseDir} (read-only) unless zfs did", mount.Argv, async run =>
        {
            var read = await context.Zfs.ReadAsync(context.Options.Pool, new ReadScope([], [clone]), run.Ct);
            if (read.Find(clone) is not { Mounted: true }) await context.Zfs.ExecuteAsync(mount, run.Ct);
        }, Undo.Zfs(new ZfsUnmount(clone)));
        return baseDir;
    }

    /// <summary>
    /// Unmounts the base clone from <paramref name="mountedAt"/> (null: it is not mounted), removes that
    /// private directory, and destroys the clone: the point of no return of the plan. The snapshot stays.
    /// </summary>
    public static void PlanBaseCloneRelease(OperationContext context, Plan plan, string be, string? mountedAt)
    {
        var clone = BaseClone(context.Layout, be);
        if (mountedAt is not null)
        {
            context.AddZfs(plan, $"unmount the base {clone}", new ZfsUnmount(clone), new ZfsMount(clone));
            if (FileSteps.IsUnder(mountedAt, context.Options.TempRoot)) FileSteps.RemoveDirectory(context, plan, mountedAt);
        }
        context.AddIrreversibleZfs(plan, $"destroy the base clone {clone} (the snapshot {BaseSnapshot(context.Layout, be)} stays)", new ZfsDestroy(clone));
    }
}
