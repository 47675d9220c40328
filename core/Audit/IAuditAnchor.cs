using System.Globalization;

namespace SnapUpgrade.Core.Audit;

/// <summary>
/// The audit chain's head kept outside the audit database, where an attacker with the database
/// file alone cannot move it back: a user property on the pool (implementation over <c>IZfs</c>;
/// <c>zpool history</c> keeps every value it had). Verification compares the database with it:
/// the anchored row must exist with the anchored hash, so rows cut off the end, or an older copy of
/// the file put back, are reported with what is missing.
/// </summary>
/// <remarks>
/// What it cannot catch: rows appended after the last anchor write (the anchor is written in the
/// background, coalesced to the newest head) and cut off before it was written, e.g. by a crash
/// and a restore in between; and anyone who can also set the pool's properties.
/// </remarks>
public interface IAuditAnchor
{
    /// <summary>The anchored head, or null when none was ever written (or it is not ours to read).</summary>
    Task<AuditHead?> ReadAsync(CancellationToken ct = default);

    /// <summary>Replaces the anchored head.</summary>
    Task WriteAsync(AuditHead head, CancellationToken ct = default);
}

/// <summary>The last row of the audit chain of one database: its position (id) and hash.</summary>
/// <param name="DatabaseId">The random id the database made for itself once: another id is another database.</param>
public sealed record AuditHead(string DatabaseId, long Position, string Hash)
{
    /// <summary>The anchor's text: <c>database-id:position:hash</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{DatabaseId}:{Position}:{Hash}");

    /// <summary>Reads <see cref="ToString"/>'s form; null for anything else (unset, "-", edited by hand).</summary>
    public static AuditHead? Parse(string? text)
    {
        var parts = text?.Split(':');
        return parts is [var id, var position, var hash] && id.Length > 0 && hash.Length > 0
            && long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p > 0
            ? new AuditHead(id, p, hash)
            : null;
    }
}
