using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The token a dry run hands out with its plan, and a confirmed run hands back: the values the plan
/// made up (<see cref="GeneratedValues"/>: time and seed) and a hash of its action, target and argv.
/// The engine plans again with those values and runs only when the argv hashes the same; otherwise
/// the host changed since the review.
/// <para>
/// Signed (HMAC-SHA256, a key made at random per engine and never stored) rather than only checked
/// for form: a time stamp or seed of the right form is still the client's choice, and a seed used
/// twice gives two BEs one uuid (a BE renamed away, then one created again from the same snapshot
/// with the same token). With the signature every token is one this engine issued for a plan it
/// made, a client chooses nothing the dry run did not, and a seed runs at most once (the engine
/// remembers the ones that ran). Tokens end with the process: after a restart a plan is reviewed again.
/// </para>
/// </summary>
public sealed class PlanTokens
{
    private const byte Version = 1;
    private const int TimeLength = sizeof(long);
    private const int HashLength = SHA256.HashSizeInBytes;
    private const int MacLength = HMACSHA256.HashSizeInBytes;
    private const int PayloadLength = 1 + TimeLength + GeneratedValues.SeedLength + HashLength;

    /// <summary>The longest token accepted: a longer string is refused before it is decoded.</summary>
    public const int MaxLength = 200;

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <summary>The token for a plan made with <paramref name="generated"/> whose hash is <paramref name="planHash"/>.</summary>
    public string Issue(GeneratedValues generated, byte[] planHash)
    {
        var bytes = new byte[PayloadLength + MacLength];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1), generated.Time.ToUnixTimeSeconds());
        generated.Seed.CopyTo(bytes.AsSpan(1 + TimeLength));
        planHash.CopyTo(bytes.AsSpan(1 + TimeLength + GeneratedValues.SeedLength));
        HMACSHA256.HashData(_key, bytes.AsSpan(0, PayloadLength), bytes.AsSpan(PayloadLength));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>
    /// The reviewed plan's values and hash; null when the token is not one this engine issued (malformed,
    /// altered, or from another process).
    /// </summary>
    public (GeneratedValues Generated, byte[] PlanHash)? Read(string token)
    {
        var bytes = new byte[PayloadLength + MacLength];
        if (token.Length > MaxLength || !Base64Url.IsValid(token, out var length) || length != bytes.Length) return null;
        if (!Base64Url.TryDecodeFromChars(token, bytes, out var written) || written != bytes.Length || bytes[0] != Version) return null;
        var mac = HMACSHA256.HashData(_key, bytes.AsSpan(0, PayloadLength));
        if (!CryptographicOperations.FixedTimeEquals(mac, bytes.AsSpan(PayloadLength))) return null;
        var seconds = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1));
        var generated = new GeneratedValues(DateTimeOffset.FromUnixTimeSeconds(seconds),
            bytes.AsSpan(1 + TimeLength, GeneratedValues.SeedLength));
        return (generated, bytes.AsSpan(1 + TimeLength + GeneratedValues.SeedLength, HashLength).ToArray());
    }

    /// <summary>
    /// What a reviewed plan is compared by: the operation's action and target and every step's argv,
    /// each string length-prefixed so no two plans hash alike by moving text between arguments.
    /// </summary>
    public static byte[] Hash(IOperation operation, Plan plan)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string? text)
        {
            Span<byte> length = stackalloc byte[sizeof(int)];
            var bytes = text is null ? [] : Encoding.UTF8.GetBytes(text);
            BinaryPrimitives.WriteInt32BigEndian(length, text is null ? -1 : bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        Add(operation.Action);
        Add(operation.Target);
        foreach (var step in plan.Steps)
        {
            Add(step.Argv.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var arg in step.Argv) Add(arg);
        }
        return hash.GetHashAndReset();
    }
}
