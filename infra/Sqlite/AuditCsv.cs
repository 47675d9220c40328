using System.Globalization;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// The audit log as CSV (RFC 4180: CRLF lines, fields with a comma, quote or line break quoted,
/// quotes doubled), one row at a time from a stream so an export of any size takes constant memory.
/// </summary>
public static class AuditCsv
{
    public const string Header =
        "id,time,actor,role,source,action,target,from_be,to_be,dry_run,outcome,error_code,message,duration_ms,prev_hash,hash";

    public static async Task WriteAsync(IAsyncEnumerable<AuditEntry> entries, TextWriter writer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(writer);
        await writer.WriteAsync((Header + "\r\n").AsMemory(), ct);
        await foreach (var e in entries.WithCancellation(ct))
            await writer.WriteAsync(Line(e).AsMemory(), ct);
        await writer.FlushAsync(ct);
    }

    public static string Line(AuditEntry e) => string.Join(',',
            e.Id.ToString(CultureInfo.InvariantCulture),
            e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            Cell(e.Actor), Cell(e.Role), Cell(e.Source), Cell(e.Action), Cell(e.Target), Cell(e.FromBe), Cell(e.ToBe),
            e.DryRun ? "true" : "false",
            Cell(e.Outcome), Cell(e.ErrorCode), Cell(e.Message),
            e.DurationMs.ToString(CultureInfo.InvariantCulture),
            e.PreviousHash, e.Hash) + "\r\n";

    /// <summary>One text cell. Text that a spreadsheet would run as a formula (a message or a name
    /// is chosen by whoever made the request) gets a leading single quote, so it stays text.</summary>
    public static string Cell(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        if (text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            text = "'" + text;
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
    }
}
