using System.Globalization;
using System.Text.RegularExpressions;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// Turns the <c>-H</c> (tab-separated) output of zfs/zpool into core types, once. Pure, so both
/// zfs-fuse and OpenZFS samples are unit-tested without either installed.
/// </summary>
public static partial class ZfsOutputParser
{
    /// <summary>
    /// <c>zfs version</c>: OpenZFS 2.x prints <c>zfs-2.2.2-...</c>; zfs-fuse has no such command and
    /// exits 2 with "unrecognized command". Anything else is refused rather than guessed.
    /// </summary>
    public static ZfsCapabilities ParseVersion(int exitCode, string stdout, string stderr)
    {
        if (exitCode == 0 && OpenZfsVersion().Match(stdout) is { Success: true } m)
            return new ZfsCapabilities($"OpenZFS {m.Groups[1].Value}", MultiSnapshot: true, RenameRemountsClones: false, EventStream: true);
        if (exitCode == 2 && stderr.Contains("unrecognized command", StringComparison.Ordinal))
            return new ZfsCapabilities("zfs-fuse", MultiSnapshot: false, ReleasesAfterUnmount: true);
        throw new NotSupportedException(
            $"unknown ZFS backend: `zfs version` exited {exitCode}: {(stdout + stderr).Trim()}");
    }

    /// <summary>One line of <c>zpool list -H -o name,health,bootfs,altroot,guid,size,allocated,free</c>.</summary>
    public static PoolInfo ParsePoolList(string stdout)
    {
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? throw new FormatException("zpool list printed nothing");
        var f = line.TrimEnd('\r').Split('\t');
        if (f.Length != 8) throw new FormatException($"zpool list: expected 8 fields, got {f.Length}: {line}");
        return new PoolInfo(f[0], f[1], NullIfDash(f[2]), NullIfDash(f[3]), f[4],
            ParseSize(f[5]), ParseSize(f[6]), ParseSize(f[7]));
    }

    /// <summary>
    /// A size as zpool/zfs print it: exact bytes (<c>-p</c>, or <c>zpool list -p</c> on OpenZFS) or
    /// human-readable in powers of 1024 (<c>250M</c>, <c>1.17M</c>, <c>936K</c>: zfs-fuse's zpool
    /// list has no <c>-p</c>). "-" reads as 0.
    /// </summary>
    public static long ParseSize(string text)
    {
        if (text is "-" or "") return 0;
        var m = HumanSize().Match(text);
        if (!m.Success) throw new FormatException($"not a size: '{text}'");
        var number = decimal.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var power = m.Groups[2].Success ? "BKMGTPE".IndexOf(char.ToUpperInvariant(m.Groups[2].Value[0])) : 0;
        for (var i = 0; i < power; i++) number *= 1024;
        return (long)Math.Round(number, MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// zfs reports a mountpoint under an altroot with the altroot in front (altroot <c>/srv/lab</c>,
    /// mountpoint <c>/</c> reads <c>/srv/lab</c>); the port speaks host paths, so it comes off here.
    /// </summary>
    public static string StripAltroot(string mountPoint, string? altroot)
    {
        if (altroot is null || altroot == "/" || !mountPoint.StartsWith('/')) return mountPoint;
        var root = altroot.TrimEnd('/');
        if (mountPoint == root) return "/";
        return mountPoint.StartsWith(root + "/", StringComparison.Ordinal) ? mountPoint[root.Length..] : mountPoint;
    }

    private static string? NullIfDash(string value) => value == "-" ? null : value;

    [GeneratedRegex(@"^zfs-(\d+\.\d+\.\d+)", RegexOptions.Multiline)]
    private static partial Regex OpenZfsVersion();

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)([BKMGTPE])?$", RegexOptions.IgnoreCase)]
    private static partial Regex HumanSize();
}
