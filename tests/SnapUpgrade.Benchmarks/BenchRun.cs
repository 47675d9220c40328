using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// What this run measures: the BE counts (only 10 in a smoke run) and the backends (zfs-fuse only
/// where it can run). Read by the benchmarks' [ParamsSource] members, which BenchmarkDotNet evaluates
/// in this (host) process; the smoke flag also goes into the environment so the per-case child
/// processes agree.
/// </summary>
public static class BenchRun
{
    public const string SmokeVariable = "SNAPUPGRADE_BENCH_SMOKE";
    public const string Simulated = "simulated";
    public const string ZfsFuse = "zfs-fuse";

    private const string SkipMessage =
        "!!! BENCHMARK CASES NOT RUN: zfs-fuse is not available (needs /sbin/zfs-fuse, zfs and zpool on PATH, " +
        "/dev/fuse, and root); the Backend=zfs-fuse cases were left out. Install it (see TESTING.md) to measure them.";

    public static bool IsSmoke => Environment.GetEnvironmentVariable(SmokeVariable) == "1";

    public static IEnumerable<int> BeCounts => IsSmoke ? [10] : [10, 100, 1000];

    /// <summary>Operations at a small host and at issue 13's large one (the target: within 1.5x of the small).</summary>
    public static IEnumerable<int> OperationBeCounts => IsSmoke ? [10] : [3, 1000];

    /// <summary>
    /// The shared-health check mounts every unmounted BE for a moment (~4 zfs commands each, 15-50 ms
    /// apiece on zfs-fuse, plus the journal's write-ahead records), so it is measured small: 1 BE (the
    /// booted one, read in place) and 10. The read never mounts. The smoke keeps 10 only: the case
    /// that goes through the temporary mounts.
    /// </summary>
    public static IEnumerable<int> SharedHealthBeCounts => IsSmoke ? [10] : [1, 10];

    public static IEnumerable<string> Backends => ZfsFuseLab.IsInstalled ? [Simulated, ZfsFuse] : [Simulated];

    public static void Configure(string[] args)
    {
        if (IsDryJob(args)) Environment.SetEnvironmentVariable(SmokeVariable, "1");
        if (IsSmoke) Console.WriteLine($"Smoke run ({SmokeVariable}=1 or --job dry): BeCount limited to 10.");
        if (!ZfsFuseLab.IsInstalled) Console.WriteLine(SkipMessage);
    }

    /// <summary>Said again after the run, where a reader of the log's tail will see it.</summary>
    public static void ReportSkips()
    {
        if (!ZfsFuseLab.IsInstalled) Console.WriteLine(SkipMessage);
    }

    // BenchmarkDotNet accepts "--job dry", "-j dry" and "--job=dry" (any case).
    private static bool IsDryJob(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if ((arg is "--job" or "-j") && i + 1 < args.Length && args[i + 1].Equals("dry", StringComparison.OrdinalIgnoreCase))
                return true;
            if (arg.StartsWith("--job=", StringComparison.Ordinal) && arg["--job=".Length..].Equals("dry", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
