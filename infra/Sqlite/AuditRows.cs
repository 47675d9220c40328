using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>The audit_log columns in one fixed order and a reader over them (no per-row reflection: verification reads every row).</summary>
static class AuditRows
{
    public const string Columns =
        "id, time_ms, actor, role, source, action, target, from_be, to_be, dry_run, outcome, error_code, message, duration_ms, prev_hash, hash";

    public static AuditEntry Read(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Time = UnixMs.To(r.GetInt64(1)),
        Actor = r.GetString(2),
        Role = r.GetString(3),
        Source = Text(r, 4),
        Action = r.GetString(5),
        Target = Text(r, 6),
        FromBe = Text(r, 7),
        ToBe = Text(r, 8),
        DryRun = r.GetInt64(9) != 0,
        Outcome = r.GetString(10),
        ErrorCode = Text(r, 11),
        Message = Text(r, 12),
        DurationMs = r.GetInt64(13),
        PreviousHash = r.GetString(14),
        Hash = r.GetString(15),
    };

    /// <summary>A record as the row to seal, at <paramref name="time"/> (whole milliseconds: what is stored is hashed).</summary>
    public static AuditEntry Entry(AuditRecord r, DateTimeOffset time) => new()
    {
        Time = time, Actor = r.Actor, Role = r.Role, Source = r.Source, Action = r.Action,
        Target = r.Target, FromBe = r.FromBe, ToBe = r.ToBe, DryRun = r.DryRun,
        Outcome = r.Outcome, ErrorCode = r.ErrorCode, Message = r.Message, DurationMs = r.DurationMs,
    };

    static string? Text(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    /// <summary>Parameters for an INSERT of every column, named like the columns.</summary>
    public static void Bind(SqliteCommand command, AuditEntry e)
    {
        var p = command.Parameters;
        p.AddWithValue("@id", e.Id);
        p.AddWithValue("@time_ms", UnixMs.From(e.Time));
        p.AddWithValue("@actor", e.Actor);
        p.AddWithValue("@role", e.Role);
        p.AddWithValue("@source", (object?)e.Source ?? DBNull.Value);
        p.AddWithValue("@action", e.Action);
        p.AddWithValue("@target", (object?)e.Target ?? DBNull.Value);
        p.AddWithValue("@from_be", (object?)e.FromBe ?? DBNull.Value);
        p.AddWithValue("@to_be", (object?)e.ToBe ?? DBNull.Value);
        p.AddWithValue("@dry_run", e.DryRun ? 1 : 0);
        p.AddWithValue("@outcome", e.Outcome);
        p.AddWithValue("@error_code", (object?)e.ErrorCode ?? DBNull.Value);
        p.AddWithValue("@message", (object?)e.Message ?? DBNull.Value);
        p.AddWithValue("@duration_ms", e.DurationMs);
        p.AddWithValue("@prev_hash", e.PreviousHash);
        p.AddWithValue("@hash", e.Hash);
    }

    /// <summary>
    /// Seals <paramref name="row"/> (id, previous hash, hash) at the chain's end and inserts it, inside
    /// the caller's <c>BEGIN IMMEDIATE</c> transaction (the write lock is held before the end is read,
    /// so the chain never forks). Returns the row as stored and the chain's new head, to anchor once
    /// the transaction commits. The one way a row joins the chain: appends and the journal's seals.
    /// </summary>
    public static async Task<(AuditEntry Entry, AuditHead Head)> AppendAsync(
        SqliteConnection connection, SqliteTransaction tx, AuditEntry row, CancellationToken ct)
    {
        var (lastId, lastHash) = await LastAsync(connection, tx, ct);
        var entry = row with { Id = lastId + 1, PreviousHash = lastHash };
        entry = entry with { Hash = AuditChain.Hash(entry) };
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = Insert;
            Bind(insert, entry);
            await insert.ExecuteNonQueryAsync(ct);
        }
        return (entry, new AuditHead(await DatabaseIdAsync(connection, tx, ct), entry.Id, entry.Hash));
    }

    /// <summary>
    /// Writes a row the chain never keeps (id 0 is never a real row's): throws when the audit log
    /// cannot take a row now. The caller rolls it back (the transaction, or a savepoint around it).
    /// </summary>
    public static async Task ProbeAsync(SqliteConnection connection, SqliteTransaction tx, CancellationToken ct)
    {
        await using var probe = connection.CreateCommand();
        probe.Transaction = tx;
        probe.CommandText = Insert;
        Bind(probe, new AuditEntry { Id = 0, PreviousHash = AuditChain.Genesis, Hash = AuditChain.Genesis });
        await probe.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The chain's last row (0 and <see cref="AuditChain.Genesis"/> when empty).</summary>
    public static async Task<(long Id, string Hash)> LastAsync(SqliteConnection connection, SqliteTransaction? tx, CancellationToken ct)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = tx;
        select.CommandText = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1;";
        await using var reader = await select.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetInt64(0), reader.GetString(1)) : (0, AuditChain.Genesis);
    }

    /// <summary>The database's own random id (schema 7, table <c>meta</c>).</summary>
    public static async Task<string> DatabaseIdAsync(SqliteConnection connection, SqliteTransaction? tx, CancellationToken ct)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = tx;
        select.CommandText = "SELECT value FROM meta WHERE key = 'database_id';";
        return (string)(await select.ExecuteScalarAsync(ct))!;
    }

    public const string Insert =
        "INSERT INTO audit_log (" + Columns + ") VALUES (@id, @time_ms, @actor, @role, @source, @action, @target, " +
        "@from_be, @to_be, @dry_run, @outcome, @error_code, @message, @duration_ms, @prev_hash, @hash);";
}
