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

    public const string Insert =
        "INSERT INTO audit_log (" + Columns + ") VALUES (@id, @time_ms, @actor, @role, @source, @action, @target, " +
        "@from_be, @to_be, @dry_run, @outcome, @error_code, @message, @duration_ms, @prev_hash, @hash);";
}
