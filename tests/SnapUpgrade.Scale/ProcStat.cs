using System.Globalization;

namespace SnapUpgrade.Scale;

/// <summary>What /proc says about a process: its CPU time and resident memory, and where the zfs-fuse daemon is.</summary>
public static class ProcStat
{
    /// <summary>/proc counts CPU time in USER_HZ ticks, 100 a second on Linux whatever the kernel's own HZ.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time of <paramref name="pid"/> so far (utime + stime of /proc/&lt;pid&gt;/stat).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: the fields after it start at
        // the last ')', with state (field 3) first, so utime (14) and stime (15) are the 12th and 13th there.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>Resident memory of <paramref name="pid"/> (VmRSS of /proc/&lt;pid&gt;/status).</summary>
    public static long RssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>How many children of <paramref name="parent"/> run one of <paramref name="commands"/> now.</summary>
    public static int Children(int parent, IReadOnlySet<string> commands)
    {
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                // After the name: state, then the parent's pid (field 4).
                var ppid = int.Parse(stat[(close + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (ppid == parent && commands.Contains(stat[(open + 1)..close])) count++;
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
        }
        return count;
    }

    /// <summary>The zfs-fuse daemon's pid, or null when none runs (the simulator's hosts have none).</summary>
    public static int? ZfsFuseDaemon()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd() == "zfs-fuse") return pid;
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
        }
        return null;
    }

    /// <summary>
    /// One process's CPU over a window: its share of one core (0.05: 5% of a core) from
    /// <see cref="Start"/> to <see cref="Share"/>; null for no process (no daemon on the simulator).
    /// </summary>
    public sealed class CpuWindow
    {
        private readonly int? _pid;
        private readonly TimeSpan _cpuAtStart;
        private readonly System.Diagnostics.Stopwatch _clock;

        private CpuWindow(int? pid)
        {
            _pid = pid;
            _cpuAtStart = pid is { } p ? CpuTime(p) : TimeSpan.Zero;
            _clock = System.Diagnostics.Stopwatch.StartNew();
        }

        public static CpuWindow Start(int? pid) => new(pid);

        public double? Share() => _pid is { } p ? (CpuTime(p) - _cpuAtStart) / _clock.Elapsed : null;
    }
}
