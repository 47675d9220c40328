using Xunit;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// Lanes whose real part (zfs-fuse, OpenZFS, a browser) may be missing: in CI that fails the test, on a
/// developer machine it skips it loudly. A skipped lane is never reported as passed.
/// </summary>
public static class Lane
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>SNAPUPGRADE_ZFS=openzfs</c> (set by the OpenZFS lane's guest, tests/openzfs): the real-ZFS labs
    /// use the kernel's OpenZFS instead of a zfs-fuse daemon, so the same test classes run on both.
    /// </summary>
    public static bool IsOpenZfs =>
        string.Equals(Environment.GetEnvironmentVariable("SNAPUPGRADE_ZFS"), "openzfs", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <c>SNAPUPGRADE_CRASH_STRIDE</c> (odd, default 1): the crash sweeps kill an operation at every
    /// stride-th journal point instead of at each. The OpenZFS guest sets it: under TCG a full sweep takes
    /// hours, while the sweeps run at every point on the simulator and zfs-fuse. Odd, so both sides of the
    /// writes (before and after) are still met.
    /// </summary>
    public static int CrashStride =>
        int.TryParse(Environment.GetEnvironmentVariable("SNAPUPGRADE_CRASH_STRIDE"), out var stride) && stride > 0
            ? stride | 1
            : 1;

    /// <summary>
    /// <c>SNAPUPGRADE_FAULT_STRIDE</c> (default 1): the fault sweeps (a zfs command failing at each step of an
    /// operation, then the undo checked) fail every stride-th step, and always the last (the commit), instead
    /// of each. The OpenZFS guest sets it: there the sweeps were a third of the scenarios' time, while they run
    /// at every step on the simulator and zfs-fuse, and each step's undo is the engine's, the same on every ZFS.
    /// </summary>
    public static int FaultStride =>
        int.TryParse(Environment.GetEnvironmentVariable("SNAPUPGRADE_FAULT_STRIDE"), out var stride) && stride > 0 ? stride : 1;

    /// <summary>The fault sweep's next step after <paramref name="point"/> of <paramref name="steps"/>: the last one is never skipped.</summary>
    public static int NextFaultPoint(int point, int steps) =>
        point + FaultStride >= steps && point < steps - 1 ? steps - 1 : point + FaultStride;

    public static void Require(bool available, string what)
    {
        if (available) return;
        var message = $"!!! LANE NOT RUN: {what} is not available on this machine. " +
            "This test did NOT pass; install it (see TESTING.md) to run it.";
        if (IsCi) throw new InvalidOperationException($"{message} (CI=true: a missing real part fails the lane)");
        Assert.Skip(message);
    }

    /// <summary>
    /// The real ZFS of this run: zfs-fuse needs its binaries, /dev/fuse, and root (mount, zpool create);
    /// OpenZFS (<see cref="IsOpenZfs"/>) needs /dev/zfs, its zfs and zpool first on PATH, and root.
    /// </summary>
    public static void RequireZfsFuse() =>
        Require(ZfsFuseLab.IsInstalled, IsOpenZfs
            ? "OpenZFS (/dev/zfs from the loaded module, zfs and zpool on PATH, running as root)"
            : "zfs-fuse (/sbin/zfs-fuse, zfs and zpool on PATH, /dev/fuse, running as root)");
}
