using System.Text.Json;
using Dapper;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// The operation journal in table <c>operation_journal</c>; times as unix ms UTC (see <see cref="UnixMs"/>).
/// Shares the database with the audit log: completing a row appends the operation's audit row
/// (<see cref="AuditRows.AppendAsync"/>) in the same transaction, and its new head goes to <paramref name="anchor"/>.
/// </summary>
public sealed class SqliteOperationJournal(SqliteDatabase db, TimeProvider? clock = null, AuditAnchorWriter? anchor = null) : IOperationJournal
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    const string Columns = """
        id AS Id, action AS Action, target AS Target, from_be AS FromBe, to_be AS ToBe, actor AS Actor, role AS Role, source AS Source, plan AS Plan,
        started_ms AS StartedMs, finished_ms AS FinishedMs, outcome AS Outcome, message AS Message,
        undos AS Undos, steps_started AS StepsStarted
        """;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Writes the row, after checking in the same transaction that the audit log can take a row now
    /// (a probe insert, rolled back to a savepoint): when it cannot, this throws and nothing is written,
    /// so the operation does not run.
    /// </summary>
    public async Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var started = entry.Started == default ? _clock.GetUtcNow() : entry.Started;
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        await using var tx = connection.BeginTransaction(deferred: false);
        tx.Save("audit_probe");
        await AuditRows.ProbeAsync(connection, tx, ct);
        tx.Rollback("audit_probe");
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO operation_journal (action, target, from_be, to_be, actor, role, source, plan, started_ms, undos, audited)
            VALUES (@Action, @Target, @FromBe, @ToBe, @Actor, @Role, @Source, @Plan, @StartedMs, @Undos, 0)
            RETURNING id;
            """,
            new
            {
                entry.Action, entry.Target, entry.FromBe, entry.ToBe, entry.Actor, entry.Role, entry.Source, entry.Plan,
                StartedMs = UnixMs.From(started), Undos = JsonSerializer.Serialize(entry.Undos, Json),
            },
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return id;
    }

    public async Task StepStartedAsync(long id, int index, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE operation_journal SET steps_started = @Started WHERE id = @Id AND finished_ms IS NULL;",
            new { Id = id, Started = index + 1 }, cancellationToken: ct));
    }

    public async Task WillUndoAsync(long id, int index, Undo undo, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO operation_undo (journal_id, step, undo) VALUES (@Id, @Step, @Undo);",
            new { Id = id, Step = index, Undo = JsonSerializer.Serialize(undo, Json) }, cancellationToken: ct));
    }

    /// <summary>
    /// Completes a pending row and appends its audit row (actor from the row; "system" for rows of
    /// older consoles; duration from its start) in one transaction: both or neither. Completing an
    /// unknown or already completed row is a bug and throws.
    /// </summary>
    public async Task CompleteAsync(long id, JournalCompletion completion, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var outcome = AuditRecords.Text(completion.Outcome);
        var finished = UnixMs.From(_clock.GetUtcNow());
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        await using var tx = connection.BeginTransaction(deferred: false);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"""
            UPDATE operation_journal SET finished_ms = @FinishedMs, outcome = @Outcome, message = @Message, audited = 1
            WHERE id = @Id AND finished_ms IS NULL
            RETURNING {Columns};
            """,
            new { Id = id, FinishedMs = finished, Outcome = outcome, completion.Message }, tx, cancellationToken: ct))
            ?? throw new InvalidOperationException($"Journal row {id} does not exist or is already completed.");
        var system = Core.Access.Actor.System;
        var actor = new Core.Access.Actor(row.Actor ?? system.Name, Roles.TryParse(row.Role, out var role) ? role : system.Role, row.Source);
        var record = AuditRecords.For(actor, row.Action, row.Target, completion.Outcome,
            completion.Code is { } code ? new OperationError(code, completion.Message ?? "") : null, completion.Message,
            Math.Max(0, finished - row.StartedMs));
        var entry = AuditRows.Entry(record with { FromBe = row.FromBe, ToBe = row.ToBe }, UnixMs.To(finished));
        var (_, head) = await AuditRows.AppendAsync(connection, tx, entry, ct);
        await tx.CommitAsync(ct);
        anchor?.Post(head);
    }

    public async Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default)
    {
        var pending = await QueryAsync($"SELECT {Columns} FROM operation_journal WHERE finished_ms IS NULL ORDER BY id;", null, ct);
        if (pending.Count == 0) return pending;
        await using var connection = await db.OpenAsync(SqliteAccess.Read, ct);
        var recorded = (await connection.QueryAsync<UndoRow>(new CommandDefinition(
            """
            SELECT journal_id AS JournalId, step AS Step, undo AS Undo FROM operation_undo
            WHERE journal_id IN (SELECT id FROM operation_journal WHERE finished_ms IS NULL) ORDER BY seq;
            """, cancellationToken: ct))).ToList();
        return [.. pending.Select(p => p with
        {
            Recorded = [.. recorded.Where(r => r.JournalId == p.Id)
                .Select(r => new RecordedUndo((int)r.Step, JsonSerializer.Deserialize<Undo>(r.Undo, Json)!))],
        })];
    }

    public async Task<IReadOnlyList<JournalEntry>> UnauditedAsync(CancellationToken ct = default) =>
        await QueryAsync($"SELECT {Columns} FROM operation_journal WHERE finished_ms IS NOT NULL AND audited = 0 ORDER BY id;", null, ct);

    public async Task<IReadOnlyList<JournalEntry>> RecentAsync(int count, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return await QueryAsync($"SELECT {Columns} FROM operation_journal ORDER BY id DESC LIMIT @Count;", new { Count = count }, ct);
    }

    async Task<IReadOnlyList<JournalEntry>> QueryAsync(string sql, object? args, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Read, ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, args, cancellationToken: ct));
        return [.. rows.Select(r => r.ToEntry())];
    }

    // Init properties, not a positional record: Dapper binds by setter and tolerates SQLite's
    // INTEGER-as-Int64 for every numeric column.
    sealed class Row
    {
        public long Id { get; init; }
        public string Action { get; init; } = "";
        public string? Target { get; init; }
        public string? FromBe { get; init; }
        public string? ToBe { get; init; }
        public string? Actor { get; init; }
        public string? Role { get; init; }
        public string? Source { get; init; }
        public string? Plan { get; init; }
        public long StartedMs { get; init; }
        public long? FinishedMs { get; init; }
        public string? Outcome { get; init; }
        public string? Message { get; init; }
        public string? Undos { get; init; }
        public long StepsStarted { get; init; }

        public JournalEntry ToEntry() => new()
        {
            Id = Id,
            Action = Action,
            Target = Target,
            FromBe = FromBe,
            ToBe = ToBe,
            Actor = Actor,
            Role = Role,
            Source = Source,
            Plan = Plan,
            Started = UnixMs.To(StartedMs),
            Finished = FinishedMs is { } f ? UnixMs.To(f) : null,
            Outcome = Outcome,
            Message = Message,
            Undos = Undos is null ? [] : JsonSerializer.Deserialize<List<Undo?>>(Undos, Json) ?? [],
            StepsStarted = (int)StepsStarted,
        };
    }

    sealed class UndoRow
    {
        public long JournalId { get; init; }
        public long Step { get; init; }
        public string Undo { get; init; } = "";
    }
}
