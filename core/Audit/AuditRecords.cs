using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Core.Audit;

/// <summary>
/// Where every audit row is made: operations, refusals, reboots, admin changes (web and CLI) and
/// what start-up finds all build their <see cref="AuditRecord"/> here, from the actor and the
/// <see cref="Outcome"/> enum, so a row reads the same whoever wrote it.
/// </summary>
public static class AuditRecords
{
    /// <summary>
    /// The stored text of an outcome: lower-case (succeeded, failed, refused, interrupted). Rows
    /// written before the enum was used hold the same words, so old rows and filters still match.
    /// </summary>
    public static string Text(Outcome outcome) => outcome.ToString().ToLowerInvariant();

    /// <summary>The outcome a stored text names; null for text no outcome writes (rows of older consoles).</summary>
    public static Outcome? Parse(string? text)
    {
        foreach (var outcome in Enum.GetValues<Outcome>())
            if (Text(outcome) == text) return outcome;
        return null;
    }

    /// <summary>
    /// One row: who did what to which target, and how it ended. The message is the error's unless
    /// one is given (a carry-over's report, what start-up found).
    /// </summary>
    public static AuditRecord For(Actor actor, string action, string? target, Outcome outcome,
        OperationError? error = null, string? message = null, long durationMs = 0, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return new AuditRecord
        {
            Actor = actor.Name, Role = Roles.Name(actor.Role), Source = actor.Source, Action = action, Target = target,
            DryRun = dryRun, Outcome = Text(outcome), ErrorCode = error?.Code.ToString(), Message = message ?? error?.Message,
            DurationMs = durationMs,
        };
    }
}
