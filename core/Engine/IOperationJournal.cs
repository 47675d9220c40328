namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The operation journal: a row written before an operation changes anything and completed after,
/// so that a console restarted after a crash knows what was interrupted. Implementation: SQLite.
/// </summary>
public interface IOperationJournal
{
    Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default);
    Task CompleteAsync(long id, string outcome, string? message, CancellationToken ct = default);
    /// <summary>Rows begun and never completed, oldest first.</summary>
    Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default);
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
}
