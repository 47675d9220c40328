using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Go back from a trial boot. Before the trial BE has booted it cancels the one-shot boot (the zone
/// flags follow the active BE again); after, it ends the trial and the active BE, untouched by the
/// trial, is what the next boot uses. With <paramref name="Failed"/> it is the health command's
/// verdict (<paramref name="Reason"/>: what the command did): the BE stays marked "failed" so the
/// console says why the next boot goes back.
/// Keeping a trial BE is its persistent activation (<see cref="ActivateBe"/>).
/// </summary>
public sealed record EndTrial(string Name, bool Failed = false, string? Reason = null) : IOperation
{
    public string Action => Failed ? "trial-failed" : "go-back";
    public string? Target => Name;
    public bool AuditsReport => Reason is not null;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.BeFileSystems(latest, layout, Name), Scopes.ZoneFlagsOf(latest, latest.ActiveOnReboot));

    public OperationError? Validate(HostState state) => Checks.FirstOf(
        () => Checks.Existing(state, Name, out _),
        () => state.Find(Name) is { Trial: not TrialState.None, IsActiveOnReboot: false }
            ? null
            : new(ErrorCode.NotOnTrial, $"{Name} is not on trial: there is nothing to go back from."),
        () => Failed && state.Find(Name)!.Trial == TrialState.Failed
            ? new(ErrorCode.NotOnTrial, $"The trial of {Name} has already failed.")
            : null);

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan { FromBe = state.BootTarget?.Name, ToBe = state.ActiveOnReboot?.Name };
        if (be.IsNextBoot)
        {
            ZoneFlags.Plan(context, plan, state, state.ActiveOnReboot);
            NextBoot.Drop(context, plan, state, $"cancel the one-shot boot of {Name}");
            await BootLoaderSteps.PlanOneShotAsync(context, plan, null, ct);
        }
        if (Failed)
        {
            Trials.Mark(context, plan, be, TrialState.Failed, $"mark the trial of {Name} failed: the next boot goes back to {state.ActiveOnReboot?.Name}");
            if (Reason is not null) plan.Report.Add($"The health command failed the trial of {Name}: {Reason}");
        }
        else
            Trials.Mark(context, plan, be, TrialState.None, $"go back: end the trial of {Name}");
        return plan;
    }
}
