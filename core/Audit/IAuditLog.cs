namespace SnapUpgrade.Core.Audit;

/// <summary>
/// The audit trail: append-only, hash-chained (each row's hash covers its content and the previous
/// row's hash), so an auditor can verify that no row was changed or removed. Implementation: SQLite.
/// </summary>
public interface IAuditLog
{
    /// <summary>Throws when a row could not be appended now (read-only file, newer schema, disk full):
    /// an operation whose audit row cannot be written does not run.</summary>
    Task EnsureWritableAsync(CancellationToken ct = default);

    /// <summary>Appends one row (time, hash and chain are set here) and returns it as stored.</summary>
    Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default);

    /// <summary>Newest first, filtered, one page.</summary>
    Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default);

    /// <summary>Every matching row, newest first, streamed (constant memory: for CSV export).</summary>
    IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, CancellationToken ct = default);

    /// <summary>
    /// Walks the whole chain and compares its end with the head anchored outside the database
    /// (<see cref="IAuditAnchor"/>); names the first row that does not fit or is missing.
    /// </summary>
    Task<ChainVerification> VerifyAsync(CancellationToken ct = default);
}

/// <summary>What a caller records; the log adds id, time, hashes.</summary>
public sealed record AuditRecord
{
    public required string Actor { get; init; }
    public required string Role { get; init; }
    public string? Source { get; init; }
    public required string Action { get; init; }
    public string? Target { get; init; }
    public string? FromBe { get; init; }
    public string? ToBe { get; init; }
    public bool DryRun { get; init; }
    /// <summary>succeeded, failed, refused or interrupted.</summary>
    public required string Outcome { get; init; }
    public string? ErrorCode { get; init; }
    public string? Message { get; init; }
    public long DurationMs { get; init; }
    /// <summary>
    /// The journal row of the operation this records, if it ran: marked audited in the same
    /// transaction, so a console killed in between audits it at its next start.
    /// </summary>
    public long? JournalId { get; init; }
}

public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset Time { get; init; }
    public string Actor { get; init; } = "";
    public string Role { get; init; } = "";
    public string? Source { get; init; }
    public string Action { get; init; } = "";
    public string? Target { get; init; }
    public string? FromBe { get; init; }
    public string? ToBe { get; init; }
    public bool DryRun { get; init; }
    public string Outcome { get; init; } = "";
    public string? ErrorCode { get; init; }
    public string? Message { get; init; }
    public long DurationMs { get; init; }
    public string PreviousHash { get; init; } = "";
    public string Hash { get; init; } = "";
}

/// <param name="Target">Matches the target BE or zone, or the from/to BE of an activation.</param>
/// <param name="DryRun">Only dry runs (true), only real runs (false), or both (null).</param>
public sealed record AuditQuery(
    DateTimeOffset? From = null, DateTimeOffset? To = null, string? Actor = null, string? Action = null,
    string? Target = null, string? Outcome = null, int Page = 1, int PageSize = 50, bool? DryRun = null)
{
    public const int MaxPageSize = 500;
}

public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries, long Total, int Page, int PageSize);

/// <param name="FirstBadId">
/// The first row whose hash or link does not fit (a changed row, or the one after a removed row), or
/// the first row missing at the end (the pool's anchor names a later one); null when the database
/// as a whole is another one than the anchor names.
/// </param>
/// <param name="Running">Operations begun and not ended: their rows join the chain when they end.</param>
public sealed record ChainVerification(bool Intact, long RowsChecked, long? FirstBadId, string Message, long Running = 0);
