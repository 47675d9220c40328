using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Every value a plan makes up rather than reads from the host: the time stamp of a snapshot name, a
/// new BE's uuid, the suffix of a private directory. All of them come from one time and one random
/// seed, drawn in the order the plan asks for them, so planning the same operation on the same host
/// with the same seed gives the same argv: what the user reviewed in a dry run is what a confirmed
/// run does (see <see cref="Engine.PlanTokens"/>).
/// </summary>
public sealed class GeneratedValues
{
    /// <summary>Bytes of <see cref="Seed"/>: as many as a uuid has, so draws are as unguessable as a fresh one.</summary>
    public const int SeedLength = 16;

    private readonly byte[] _seed;
    private int _draws;

    /// <param name="time">The plan's time, to the second (what a snapshot name shows).</param>
    /// <param name="seed"><see cref="SeedLength"/> random bytes every other value is drawn from.</param>
    public GeneratedValues(DateTimeOffset time, ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength) throw new ArgumentException($"A seed has {SeedLength} bytes.", nameof(seed));
        Time = DateTimeOffset.FromUnixTimeSeconds(time.ToUnixTimeSeconds());
        _seed = seed.ToArray();
    }

    /// <summary>Values never used before: now, and a fresh random seed.</summary>
    public static GeneratedValues Fresh(TimeProvider clock) => new(clock.GetUtcNow(), RandomNumberGenerator.GetBytes(SeedLength));

    public DateTimeOffset Time { get; }

    public ReadOnlySpan<byte> Seed => _seed;

    /// <summary>The plan's time as snapshot names show it, e.g. 20260101-120000.</summary>
    public string Timestamp() => Time.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>The next uuid (version 4 form): SHA-256 of the seed and the draw's number.</summary>
    public Guid NewUuid()
    {
        Span<byte> input = stackalloc byte[SeedLength + sizeof(int)];
        _seed.CopyTo(input);
        BinaryPrimitives.WriteInt32BigEndian(input[SeedLength..], _draws++);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        hash[6] = (byte)(hash[6] & 0x0F | 0x40); // version 4
        hash[8] = (byte)(hash[8] & 0x3F | 0x80); // RFC 4122 variant
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>The next short unguessable suffix (8 hex digits) for a directory name.</summary>
    public string NewSuffix() => NewUuid().ToString("N")[..8];
}
