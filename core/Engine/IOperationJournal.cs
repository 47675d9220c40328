namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The operation journal: a row written before an operation changes anything, with the undo of
/// every planned step; each step's start and each undo a step decides on while running are written
/// before they happen; the row is completed after. A console restarted after a crash reads the rows
/// never completed and undoes (or, past the point of no return, reconciles) them. Implementation: SQLite.
/// </summary>
/// <remarks>
/// The journal row is also the operation's audit record while it runs: <see cref="BeginAsync"/>
/// refuses (throws, nothing runs) when the audit log could not take a row now, and
/// <see cref="CompleteAsync(long, JournalCompletion, CancellationToken)"/> appends the operation's
/// audit row, naming <see cref="JournalEntry.Actor"/>, in the transaction that completes the row: no
/// operation finishes without its audit row, and a crash in between leaves the row pending, so the
/// next start completes it (and writes its one audit row) as interrupted, undone or rolled forward.
/// </remarks>
public interface IOperationJournal
{
    Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default);
    /// <summary>Step <paramref name="index"/> (0-based) is about to run.</summary>
    Task StepStartedAsync(long id, int index, CancellationToken ct = default);
    /// <summary>Step <paramref name="index"/> is about to make a change that <paramref name="undo"/> takes back.</summary>
    Task WillUndoAsync(long id, int index, Undo undo, CancellationToken ct = default);
    /// <summary>Completes the row and writes the operation's audit row, in one transaction.</summary>
    Task CompleteAsync(long id, JournalCompletion completion, CancellationToken ct = default);
    /// <summary>Completes the row (no error code): start-up reconciliation's form.</summary>
    Task CompleteAsync(long id, Outcome outcome, string? message, CancellationToken ct = default) =>
        CompleteAsync(id, new JournalCompletion(outcome, message), ct);
    /// <summary>Rows begun and never completed, oldest first, with their undo data.</summary>
    Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default);
    /// <summary>
    /// Rows that finished but whose audit row was never written, oldest first: only rows completed
    /// by consoles before schema 7, which appended the audit row after completing the journal row
    /// and could die in between.
    /// </summary>
    Task<IReadOnlyList<JournalEntry>> UnauditedAsync(CancellationToken ct = default);
    /// <summary>Most recent rows first.</summary>
    Task<IReadOnlyList<JournalEntry>> RecentAsync(int count, CancellationToken ct = default);
}

public sealed record JournalEntry
{
    public long Id { get; init; }
    public required string Action { get; init; }
    public string? Target { get; init; }
    public string? FromBe { get; init; }
    public string? ToBe { get; init; }
    /// <summary>Who asked (<see cref="RunRequest.Actor"/>): the name in the operation's audit row; null in rows of older consoles.</summary>
    public string? Actor { get; init; }
    /// <summary>The actor's role, lower-case (<see cref="Access.Roles.Name"/>).</summary>
    public string? Role { get; init; }
    /// <summary>Where the request came from (client address, "cli"), if known.</summary>
    public string? Source { get; init; }
    /// <summary>The planned argv lines, one per line.</summary>
    public string? Plan { get; init; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset? Finished { get; init; }
    public string? Outcome { get; init; }
    public string? Message { get; init; }
    /// <summary>Each planned step's undo (null: the step cannot be taken back).</summary>
    public IReadOnlyList<Undo?> Undos { get; init; } = [];
    /// <summary>How many steps started (the last of them may be cut off half-way).</summary>
    public int StepsStarted { get; init; }
    /// <summary>Undos recorded by running steps, in the order written.</summary>
    public IReadOnlyList<RecordedUndo> Recorded { get; init; } = [];

    /// <summary>The started steps with their undos, for <see cref="PlanExecutor.UndoAsync"/>.</summary>
    public IReadOnlyList<StartedStep> StartedSteps() =>
        [.. Enumerable.Range(0, StepsStarted).Select(i => new StartedStep(i < Undos.Count ? Undos[i] : null,
            [.. Recorded.Where(r => r.Step == i).Select(r => r.Undo)]))];

    /// <summary>A started step cannot be taken back: the operation is past its point of no return.</summary>
    public bool PastNoReturn => StartedSteps().Any(s => Undo.CannotTakeBack(s.Own));
}

public sealed record RecordedUndo(int Step, Undo Undo);

/// <summary>How a journalled operation ended, as its audit row tells it.</summary>
/// <param name="Outcome">Succeeded, failed or interrupted (stored as <see cref="Audit.AuditRecords.Text"/>).</param>
/// <param name="Message">The error, or what reconciliation did; for a carry-over its report.</param>
/// <param name="Code">The error code of a failure, if any.</param>
public sealed record JournalCompletion(Outcome Outcome, string? Message, ErrorCode? Code = null)
{
    /// <summary>A report in an audit row: whole when short, else its first lines and how many more.</summary>
    public static string Summary(IReadOnlyList<string> report, int lines = 40) => report.Count <= lines
        ? string.Join(" ", report)
        : string.Join(" ", report.Take(lines)) + $" (and {report.Count - lines} more lines: see the console's log)";
}
