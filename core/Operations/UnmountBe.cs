using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>beadm unmount: undoes all of a mount (binds, zone BEs, children deepest first, the BE) and restores mountpoint=/, canmount=noauto.</summary>
public sealed record UnmountBe(string Name) : IOperation
{
    public string Action => "unmount";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout), Scopes.BeFileSystems(latest, layout, Name));

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ?? Checks.FirstOf(
        () => Checks.NotBooted(be, "unmount"),
        () => Checks.NotUpgrading(be, "unmount"),
        () => be.IsMounted ? null : new(ErrorCode.BeNotMounted, $"'{Name}' is not mounted."));

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var plan = new Plan();
        await PlanUnmountAsync(context, plan, state.Find(Name)!, ct);
        return plan;
    }

    /// <summary>The unmount steps, deepest first; also used by destroy with force-unmount.</summary>
    public static async Task PlanUnmountAsync(OperationContext context, Plan plan, BootEnvironment be, CancellationToken ct)
    {
        var root = be.MountedAt!;
        var binds = (await context.Mounts.ListAsync(ct)).Where(b => FileSteps.IsUnder(b.Target, root))
            .OrderByDescending(b => b.Target.Length);
        foreach (var bind in binds) FileSteps.Unbind(context, plan, bind);
        foreach (var zoneBe in be.ZoneBes.Where(z => z.IsMounted).OrderByDescending(z => z.MountedAt!.Length))
        {
            context.AddZfs(plan, $"unmount zone BE {zoneBe.Dataset}", new ZfsUnmount(zoneBe.Dataset), new ZfsMount(zoneBe.Dataset, MountBe.Options));
            context.AddZfs(plan, $"mount point of {zoneBe.Dataset} back to {Layout.ZoneRoot(zoneBe.Zone)}",
                new ZfsSet(zoneBe.Dataset, "mountpoint", Layout.ZoneRoot(zoneBe.Zone)),
                new ZfsSet(zoneBe.Dataset, "mountpoint", zoneBe.MountPoint!));
            RemoveMountPointDirectory(context, plan, zoneBe.MountedAt!);
        }
        BeTree.PlanUnmounts(context, plan, be, MountBe.Options);
        context.AddZfs(plan, $"unmount {be.Dataset}", new ZfsUnmount(be.Dataset), new ZfsMount(be.Dataset, MountBe.Options));
        context.AddZfs(plan, $"mount point of {be.Dataset} back to /", new ZfsSet(be.Dataset, "mountpoint", "/"),
            new ZfsSet(be.Dataset, "mountpoint", be.MountPoint!));
        if (be.CanMount != "noauto")
            context.AddZfs(plan, $"canmount=noauto on {be.Dataset}", new ZfsSet(be.Dataset, "canmount", "noauto"),
                new ZfsSet(be.Dataset, "canmount", be.CanMount ?? "on"));
    }

    /// <summary>
    /// The directory zfs made inside the BE's own tree to mount a zone BE there (root/zones/z/root).
    /// Left behind, it makes the BE's /zones/z non-empty, and booting the BE then cannot mount the
    /// zone's container over it. Removed when empty; the undo makes it again.
    /// </summary>
    private static void RemoveMountPointDirectory(OperationContext context, Plan plan, string path) =>
        plan.Add($"remove the mount point directory {path} when empty", ["rmdir", "--ignore-fail-on-non-empty", path], async run =>
        {
            await run.WillAsync(new UndoCreateDirectory(path, 0x1ED)); // 0755, as zfs made it; a no-op if it stays
            FileSteps.RemoveIfEmpty(context.Files, path);
        }, new UndoNothing());
}
