using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// beadm activate. The steps, in order: promote the BE, its children and its zone BEs until they have no origin
/// (so destroying older BEs can never take it along), flip the zone <c>active</c> flags, then the
/// configured boot loader's entries and default (or one-shot) entry (<see cref="BootLoaderSteps"/>), then the
/// single commit point: the pool's <c>bootfs</c> (or, one-shot, <c>nextboot</c> on pool/ROOT). A one-shot the
/// loader cannot honour is refused (<see cref="ErrorCode.OneShotUnsupported"/>). A one-shot activation is a
/// trial (<see cref="TrialState"/>): the BE is marked, and after its boot the console offers Keep (this
/// activation, persistent, which ends every trial) or Go back (<see cref="EndTrial"/>).
/// A one-shot activation does not promote: a trial boot should not reshape the pool's lineage
/// (and a promoted BE becomes the origin of the booted one, which zfs-fuse then cannot rename).
/// A failure before the commit undoes everything; a crash is reconciled from the journal.
/// </summary>
public sealed record ActivateBe(string Name, bool Temporary = false) : IOperation
{
    public string Action => Temporary ? "activate-once" : "activate";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.BeFileSystems(latest, layout, Name), Scopes.Origins(latest, Name), OneShot(latest) ? ReadScope.Empty : Scopes.Promoted(latest, Name),
        Scopes.ZoneFlagsOf(latest, latest.Find(Name)));

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ?? be.Upgrade switch
    {
        UserProperties.UpgradeRunning => new(ErrorCode.UpgradeNotFinished, $"'{Name}' is being upgraded: activate it once its upgrade has finished."),
        UserProperties.UpgradeFailed => new(ErrorCode.UpgradeNotFinished,
            $"The upgrade that made '{Name}' failed: read its report, then destroy it."),
        _ => null,
    };

    /// <summary>A one-shot boot of a BE that is not the one active on reboot: it promotes nothing, so reads no promote's snapshots.</summary>
    private bool OneShot(HostState state) => Temporary && state.Find(Name) is { IsActiveOnReboot: false };

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan { FromBe = state.BootTarget?.Name, ToBe = Name };

        if (OneShot(state))
        {
            if (BootLoaderSteps.OneShotRefusal(context.Options) is { } refusal) throw new OperationRefusedException(refusal);
            ZoneFlags.Plan(context, plan, state, be);
            Trials.Mark(context, plan, be, TrialState.Pending, $"mark {Name} as on trial: after its boot, Keep or Go back");
            BootLoaderSteps.PlanEntries(context, plan, state.Pool, BootLoaderSteps.Entries(state));
            await BootLoaderSteps.PlanOneShotAsync(context, plan, Name, ct);
            NextBoot.Set(context, plan, state, Name, $"boot {Name} on the next boot only (commit)");
            return plan;
        }

        var origins = Promotion.Origins(state);
        foreach (var (from, to) in Scopes.PromotedMoves(state, Name).Moves) plan.Moves[from] = to;
        Promotion.PlanStandAlone(context, plan, origins, be.Dataset);
        foreach (var child in be.Children) Promotion.PlanStandAlone(context, plan, origins, child.Dataset);
        foreach (var zoneBe in be.ZoneBes) Promotion.PlanStandAlone(context, plan, origins, zoneBe.Dataset);
        ZoneFlags.Plan(context, plan, state, be);
        Trials.EndAll(context, plan, state, Name);
        NextBoot.Drop(context, plan, state, $"drop the one-shot boot of {state.NextBoot?.Name}");
        await BootLoaderSteps.PlanOneShotAsync(context, plan, null, ct);
        BootLoaderSteps.PlanEntries(context, plan, state.Pool, BootLoaderSteps.Entries(state));
        await BootLoaderSteps.PlanDefaultAsync(context, plan, state, be, ct);
        if (!be.IsActiveOnReboot)
            context.AddZfs(plan, $"make {Name} active on reboot: bootfs (commit)",
                new ZpoolSetBootfs(state.Pool, be.Dataset),
                state.Bootfs is null ? null : new ZpoolSetBootfs(state.Pool, state.Bootfs));
        return plan;
    }
}
