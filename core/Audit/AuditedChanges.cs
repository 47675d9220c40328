using System.Diagnostics;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Core.Audit;

/// <summary>
/// How admin changes run (user-add, token-revoke, ... from the admin pages and the admin CLI alike):
/// exactly one audit row per attempt, written whether the store accepted or refused the change; a
/// change whose row cannot be written does not run.
/// </summary>
public sealed class AuditedChanges(IAuditLog audit)
{
    /// <summary>Runs <paramref name="change"/>; an <see cref="AccountException"/> becomes a refusal (its message returned).</summary>
    public async Task<string?> RunAsync(Actor actor, string action, string target, Func<Task> change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        await audit.EnsureWritableAsync(ct);
        var started = Stopwatch.GetTimestamp();
        var outcome = Outcome.Succeeded;
        string? refusal = null;
        try
        {
            await change();
        }
        catch (AccountException ex)
        {
            outcome = Outcome.Refused;
            refusal = ex.Message;
        }
        catch (Exception ex)
        {
            await audit.AppendAsync(AuditRecords.For(actor, action, target, Outcome.Failed, message: ex.Message, durationMs: Elapsed(started)), ct);
            throw;
        }
        await audit.AppendAsync(AuditRecords.For(actor, action, target, outcome, message: refusal, durationMs: Elapsed(started)), ct);
        return refusal;
    }

    private static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
