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
public static class AuditChain
{
    /// <summary>The previous hash of row 1.</summary>
    public static readonly string Genesis = new('0', 64);

    // A version tag in the hashed bytes: a future encoding cannot be confused with this one.
    static readonly byte[] s_tag = "snapupgrade-audit-v1"u8.ToArray();

    public static string Hash(AuditEntry e)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(s_tag);
        Add(sha, e.Id);
        Add(sha, e.Time.ToUnixTimeMilliseconds());
        Add(sha, e.Actor);
        Add(sha, e.Role);
        Add(sha, e.Source);
        Add(sha, e.Action);
        Add(sha, e.Target);
        Add(sha, e.FromBe);
        Add(sha, e.ToBe);
        Add(sha, e.DryRun ? 1 : 0);
        Add(sha, e.Outcome);
        Add(sha, e.ErrorCode);
        Add(sha, e.Message);
        Add(sha, e.DurationMs);
        Add(sha, e.PreviousHash);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    static void Add(IncrementalHash sha, long value) => Add(sha, value.ToString(CultureInfo.InvariantCulture));

    // null: marker 0. A value: marker 1, its UTF-8 length as 4 bytes big-endian, the bytes.
    static void Add(IncrementalHash sha, string? value)
    {
        Span<byte> head = stackalloc byte[5];
        if (value is null)
        {
            head[0] = 0;
            sha.AppendData(head[..1]);
            return;
        }
        var bytes = Encoding.UTF8.GetBytes(value);
        head[0] = 1;
        BinaryPrimitives.WriteInt32BigEndian(head[1..], bytes.Length);
        sha.AppendData(head);
        sha.AppendData(bytes);
    }
}
