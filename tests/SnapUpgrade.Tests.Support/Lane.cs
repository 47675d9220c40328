using Xunit;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// Lanes whose real part (zfs-fuse, a browser) may be missing: in CI that fails the test, on a
/// developer machine it skips it loudly. A skipped lane is never reported as passed.
/// </summary>
public static class Lane
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Require(bool available, string what)
    {
        if (available) return;
        var message = $"!!! LANE NOT RUN: {what} is not available on this machine. " +
            "This test did NOT pass; install it (see TESTING.md) to run it.";
        if (IsCi) throw new InvalidOperationException($"{message} (CI=true: a missing real part fails the lane)");
        Assert.Skip(message);
    }

    /// <summary>zfs-fuse needs its binaries, /dev/fuse, and root (mount, zpool create).</summary>
    public static void RequireZfsFuse() =>
        Require(ZfsFuseLab.IsInstalled, "zfs-fuse (/sbin/zfs-fuse, zfs and zpool on PATH, /dev/fuse, running as root)");
}
