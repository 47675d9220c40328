using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Reboots the host, as one more planned, journalled and audited operation. On the simulated host and
/// lab pools under a HostRoot (<see cref="EngineOptions.CanBootInProcess"/>) the boot is done in
/// process: the configured boot loader's choice is booted (its one-shot entry, used up, else its default;
/// bootfs and the one-shot <c>nextboot</c> where it names none), everything of the pool is unmounted, the one-shot next boot is used up, the zone flags
/// follow the boot target, and the target BE is mounted at /, then /var/shared, the zones, their BEs
/// and shared datasets, as the host's boot would. Elsewhere its one step asks the host to reboot with
/// its configured command (<see cref="OperationContext.Reboot"/>), whose argv the plan shows; without
/// one it is refused.
/// </summary>
/// <param name="Activated">
/// The BE an "activate and reboot" just activated (the audit row's target), null for a reboot on its
/// own. An operator may reboot only as part of an activation (<see cref="Access.Permissions"/>).
/// </param>
public sealed record RebootHost(string? Activated = null) : IOperation
{
    /// <summary>Why a host without a reboot command (and no boot in process) cannot be rebooted from here.</summary>
    public const string NoCommand =
        "No reboot command is configured (SnapUpgrade:RebootCommand): activate without reboot, then reboot the host yourself.";

    public string Action => "reboot";
    public string? Target => Activated;

    public OperationError? Validate(HostState state) => state.BootTarget is null
        ? new(ErrorCode.NoBootedBe, "The pool has no bootfs: there is nothing to boot.")
        : Activated is not null && state.Find(Activated) is null
            ? new(ErrorCode.NotFound, $"There is no boot environment {Activated}.")
            : null;

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        if (!context.Options.CanBootInProcess)
            return AskTheHost(context, state);
        // The boot loader chooses, as it would at boot; its one-shot entry is used up, as GRUB's and systemd-boot's are.
        var chosen = await BootLoaderSteps.NextBootAsync(context, state, ct);
        var target = chosen is { } c ? state.Find(c.Be)! : state.BootTarget!;
        var layout = context.Layout;
        var plan = new Plan { FromBe = state.Booted?.Name, ToBe = target.Name };
        if (chosen is { Once: true }) await BootLoaderSteps.PlanOneShotAsync(context, plan, null, ct);

        foreach (var bind in (await context.Mounts.ListAsync(ct)).OrderByDescending(b => b.Target.Length))
            FileSteps.Unbind(context, plan, bind);
        var listing = await context.Zfs.ListAsync(state.Pool, ct);
        foreach (var fs in listing.Datasets.Where(d => d is { IsSnapshot: false, Mounted: true }).OrderByDescending(d => d.MountPoint!.Length))
            context.AddIrreversibleZfs(plan, $"unmount {fs.Name}", new ZfsUnmount(fs.Name));
        foreach (var be in state.BootEnvironments.Where(b => b.MountPoint != "/"))
        {
            context.AddZfs(plan, $"mount point of {be.Dataset} back to /", new ZfsSet(be.Dataset, "mountpoint", "/"));
            foreach (var child in be.Children.Where(c => !c.InheritsMountPoint && c.MountPoint?.StartsWith('/') == true))
            {
                var back = BeTree.Relocate(child.MountPoint!, be.MountPoint, "/");
                if (back != child.MountPoint)
                    context.AddZfs(plan, $"mount point of {child.Dataset} back to {back}", new ZfsSet(child.Dataset, "mountpoint", back));
            }
        }
        foreach (var zb in state.Zones.SelectMany(z => z.BootEnvironments).Where(zb => zb.MountPoint != Layout.ZoneRoot(zb.Zone)))
            context.AddZfs(plan, $"mount point of {zb.Dataset} back to {Layout.ZoneRoot(zb.Zone)}", new ZfsSet(zb.Dataset, "mountpoint", Layout.ZoneRoot(zb.Zone)));
        if (state.NextBoot is not null)
            context.AddZfs(plan, $"use up the one-shot boot of {state.NextBoot.Name}", new ZfsInherit(layout.BeContainer, UserProperties.NextBoot));
        // After this boot the next one uses bootfs again: the zone flags follow that, not this boot.
        ZoneFlags.Plan(context, plan, state, state.ActiveOnReboot);

        context.AddZfs(plan, $"boot {target.Name}: mount {target.Dataset} at /", new ZfsMount(target.Dataset));
        foreach (var child in target.Children.Where(c => c.CanMount != "off"))
            context.AddZfs(plan, $"mount {child.Dataset}", new ZfsMount(child.Dataset));
        var shared = listing.Find(layout.SharedDataset);
        if (shared is { CanMount: not "off" } && shared.MountPoint?.StartsWith('/') == true)
            context.AddZfs(plan, $"mount {shared.Name} at {shared.MountPoint}", new ZfsMount(shared.Name));
        foreach (var zone in state.Zones)
        {
            if (listing.Find(zone.Dataset) is { CanMount: "on" } container && container.MountPoint?.StartsWith('/') == true)
                context.AddZfs(plan, $"mount zone {zone.Name} at {container.MountPoint}", new ZfsMount(zone.Dataset));
            if (zone.BootEnvironments.FirstOrDefault(zb => zb.ParentBe == target.Uuid) is not { } zoneBe) continue;
            context.AddZfs(plan, $"boot zone {zone.Name}: mount {zoneBe.Dataset}", new ZfsMount(zoneBe.Dataset));
            if (zone.Shared is not null)
                context.AddZfs(plan, $"mount {zone.Shared.Dataset}", new ZfsMount(zone.Shared.Dataset));
        }
        return plan;
    }

    /// <summary>
    /// One step, the last and irreversible: the host is asked to reboot and then stops us. It is
    /// journalled as <see cref="RebootAsked"/>, so a restart closes it and never asks again.
    /// </summary>
    private static Plan AskTheHost(OperationContext context, HostState state)
    {
        if (context.Reboot is not { } reboot)
            throw new OperationRefusedException(new(ErrorCode.NotSupported, NoCommand));
        var plan = new Plan { FromBe = state.Booted?.Name, ToBe = state.BootTarget!.Name };
        var command = string.Join(' ', reboot.Argv);
        plan.Add($"ask the host to reboot: `{command}`", reboot.Argv, async run =>
        {
            await reboot.RequestAsync(run.Ct);
            plan.Report.Add($"The host accepted the reboot (`{command}`): it boots {plan.ToBe} next.");
        }, new RebootAsked(reboot.Argv));
        return plan;
    }
}
