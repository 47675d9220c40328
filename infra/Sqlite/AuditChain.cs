using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// The audit log's hash chain. A row's hash is hex SHA-256 over every stored field, its id and the
/// previous row's hash, in a fixed order, each field length-prefixed and null distinct from empty,
/// so no two different rows encode alike. Public so that an outside tool can re-check the chain.
/// </summary>
/// <remarks>
/// The bytes hashed: the ASCII tag <c>snapupgrade-audit-v1</c>, then for each of id, time (unix ms),
/// actor, role, source, action, target, from_be, to_be, dry_run (0/1), outcome, error_code, message,
/// duration_ms, prev_hash: a null as the byte 0; a value as the byte 1, the length of its UTF-8
/// bytes as a 4-byte big-endian integer, and those bytes (numbers in invariant decimal).
/// </remarks>
public static class AuditChain
{
    /// <summary>The previous hash of row 1.</summary>
    public static readonly string Genesis = new('0', 64);

    // A version tag in the hashed bytes: a future encoding cannot be confused with this one.
    static ReadOnlySpan<byte> Tag => "snapupgrade-audit-v1"u8;

    // Verification hashes every row: one reused buffer per thread instead of an allocation per field.
    // t_ marks a [ThreadStatic] field (dotnet/runtime's naming), which .editorconfig cannot tell from s_.
#pragma warning disable IDE1006
    [ThreadStatic] static ArrayBufferWriter<byte>? t_buffer;
#pragma warning restore IDE1006

    public static string Hash(AuditEntry e)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        buffer.Write(Tag);
        Add(buffer, e.Id);
        Add(buffer, e.Time.ToUnixTimeMilliseconds());
        Add(buffer, e.Actor);
        Add(buffer, e.Role);
        Add(buffer, e.Source);
        Add(buffer, e.Action);
        Add(buffer, e.Target);
        Add(buffer, e.FromBe);
        Add(buffer, e.ToBe);
        Add(buffer, e.DryRun ? 1 : 0);
        Add(buffer, e.Outcome);
        Add(buffer, e.ErrorCode);
        Add(buffer, e.Message);
        Add(buffer, e.DurationMs);
        Add(buffer, e.PreviousHash);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    static void Add(ArrayBufferWriter<byte> buffer, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        Add(buffer, digits[..length]);
    }

    static void Add(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            buffer.GetSpan(1)[0] = 0;
            buffer.Advance(1);
            return;
        }
        var span = buffer.GetSpan(5 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var length = Encoding.UTF8.GetBytes(value, span[5..]);
        span[0] = 1;
        BinaryPrimitives.WriteInt32BigEndian(span[1..5], length);
        buffer.Advance(5 + length);
    }

    static void Add(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> utf8)
    {
        var span = buffer.GetSpan(5 + utf8.Length);
        span[0] = 1;
        BinaryPrimitives.WriteInt32BigEndian(span[1..5], utf8.Length);
        utf8.CopyTo(span[5..]);
        buffer.Advance(5 + utf8.Length);
    }
}
