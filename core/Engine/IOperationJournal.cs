using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The operation journal: a row written before an operation changes anything, with the undo of
/// every planned step; each step's start and each undo a step decides on while running are written
/// before they happen; the row is completed after. A console restarted after a crash reads the rows
/// never completed and undoes (or, past the point of no return, reconciles) them. Implementation: SQLite.
/// </summary>
public interface IOperationJournal
{
    Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default);
    /// <summary>Step <paramref name="index"/> (0-based) is about to run.</summary>
    Task StepStartedAsync(long id, int index, CancellationToken ct = default);
    /// <summary>Step <paramref name="index"/> is about to make a change that <paramref name="undo"/> takes back.</summary>
    Task WillUndoAsync(long id, int index, Undo undo, CancellationToken ct = default);
    Task CompleteAsync(long id, string outcome, string? message, CancellationToken ct = default);
    /// <summary>Rows begun and never completed, oldest first, with their undo data.</summary>
    Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default);
    /// <summary>
    /// Rows that finished but whose audit row was never written (the console died in between; the
    /// audit log marks a row audited in the transaction that appends its record), oldest first.
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
    public bool PastNoReturn => StartedSteps().Any(s => s.Own is null or RollForward);
}

public sealed record RecordedUndo(int Step, Undo Undo);
