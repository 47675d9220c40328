using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Drops the console's one-shot mark of <paramref name="Name"/> once the boot loader has used it: GRUB
/// and systemd-boot clear their one-shot entry when they boot it, while the mark on the pool outlives
/// the reboot. Run as the system at the console's start (<see cref="Audit.AuditedOperations"/>). Refused
/// while the loader still holds the one-shot (<see cref="ErrorCode.OneShotNotUsed"/>): the boot is still to come.
/// </summary>
public sealed record ForgetOneShot(string Name) : IOperation
{
    public string Action => "one-shot-used";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.BeFileSystems(latest, layout, Name), Scopes.ZoneFlagsOf(latest, latest.ActiveOnReboot));

    public OperationError? Validate(HostState state) => Checks.FirstOf(
        () => Checks.Existing(state, Name, out _),
        () => state.NextBoot?.Name == Name ? null : new(ErrorCode.OneShotNotUsed, $"{Name} is not marked to boot once."));

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        if (!await BootLoaderSteps.OneShotUsedAsync(context, state, ct))
            throw new OperationRefusedException(new(ErrorCode.OneShotNotUsed,
                $"The boot loader still holds the one-shot boot of {Name}: it has not booted it yet."));
        var plan = new Plan { FromBe = Name, ToBe = state.ActiveOnReboot?.Name };
        ZoneFlags.Plan(context, plan, state, state.ActiveOnReboot);
        NextBoot.Drop(context, plan, state, $"forget the one-shot boot of {Name}: the boot loader has used it");
        plan.Report.Add($"The boot loader has used the one-shot boot of {Name}; the next boot is {state.ActiveOnReboot?.Name ?? "the pool's bootfs"}.");
        return plan;
    }
}
