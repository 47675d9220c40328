using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Audit;

/// <summary>
/// Decides a trial boot with the host's health command, as the system and audited like an
/// activation: once the trial BE has booted (the console's start on it, or an in-process boot), the
/// command runs until it passes or its time is up; passed, the BE is kept (activated); not, the trial
/// is marked failed and the BE that was active stays so, so the next reboot goes back. Without a
/// health command nothing is decided here: the console offers Keep and Go back.
/// </summary>
public sealed class TrialJudge(IEngine engine, AuditedOperations operations, IHealthCheck? health)
{
    private int _judging;

    /// <summary>The verdict's sentence of the last trial judged, for the log; null before one.</summary>
    public HealthVerdict? LastVerdict { get; private set; }

    /// <summary>
    /// Judges the booted BE's trial when one is pending and nobody judges it already. Null when there
    /// was nothing to judge (no health command, no pending trial, or the user decided meanwhile).
    /// </summary>
    public async Task<OperationResult?> JudgeIfDueAsync(CancellationToken ct = default)
    {
        if (health is null || Interlocked.Exchange(ref _judging, 1) == 1) return null;
        try
        {
            var state = await engine.GetStateAsync(ct);
            if (state.OnTrial is not { Trial: TrialState.Pending } be) return null;
            var verdict = LastVerdict = await health.RunAsync(ct);
            // The user may have kept it or gone back while the command ran: then that stands.
            if ((await engine.GetStateAsync(ct)).OnTrial is not { Trial: TrialState.Pending } still || still.Name != be.Name) return null;
            return await operations.RunAsync(Actor.System,
                verdict.Passed ? new ActivateBe(be.Name) : new EndTrial(be.Name, Failed: true, Reason: verdict.Detail), ct: ct);
        }
        finally
        {
            Volatile.Write(ref _judging, 0);
        }
    }
}
