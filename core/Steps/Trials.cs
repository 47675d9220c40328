using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// The trial marker (<see cref="UserProperties.Trial"/>) on a BE: set by a one-shot activation, made
/// "failed" by a health command that did not pass, removed when the trial is decided (a persistent
/// activation keeps a BE; Go back gives it up). Each step undoes to the value it found.
/// </summary>
public static class Trials
{
    public static void Mark(OperationContext context, Plan plan, BootEnvironment be, TrialState to, string why)
    {
        if (be.Trial == to) return;
        var value = Value(to);
        context.AddZfs(plan, why,
            value is null ? new ZfsInherit(be.Dataset, UserProperties.Trial) : new ZfsSet(be.Dataset, UserProperties.Trial, value),
            Restore(be));
    }

    /// <summary>Every trial is decided by a persistent activation: no marker outlives it.</summary>
    public static void EndAll(OperationContext context, Plan plan, HostState state, string kept)
    {
        foreach (var be in state.BootEnvironments.Where(b => b.Trial != TrialState.None))
            Mark(context, plan, be, TrialState.None, be.Name == kept
                ? $"keep {be.Name}: its trial is over"
                : $"end the trial of {be.Name}: {kept} is activated");
    }

    private static ZfsCommand Restore(BootEnvironment be) => Value(be.Trial) is { } value
        ? new ZfsSet(be.Dataset, UserProperties.Trial, value)
        : new ZfsInherit(be.Dataset, UserProperties.Trial);

    private static string? Value(TrialState state) => state switch
    {
        TrialState.Pending => UserProperties.TrialPending,
        TrialState.Failed => UserProperties.TrialFailed,
        _ => null,
    };
}
