using System.Diagnostics;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// Starts the zfs-fuse daemon when none runs (CI starts with none running). Serialised within
/// this process by a semaphore and across test processes by an exclusive lock file, so parallel
/// test projects never start two daemons. A daemon that runs but is slow to answer (a loaded machine)
/// is waited for, never started again beside itself: a second zfs-fuse takes the control socket while
/// the first keeps the pools and their mounts. Session 18's CI found two daemons during a kill -9 test
/// whose pool then stayed "busy" for good; `zpool list` had only had 10 s to answer here. Session 19 found
/// the second to be the booted test container's own (in its own mount namespace, which <see cref="Running"/>
/// now leaves out), and the busy pool that container's copy of the lab's mounts (see BuiltPackageCollection).
/// </summary>
public static class ZfsFuseDaemon
{
    private const string LogFile = "/tmp/zfs-fuse.log";
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureRunningAsync(IProcessRunner runner, CancellationToken ct)
    {
        if (await AnswersAsync(runner, ct)) return;
        await Gate.WaitAsync(ct);
        try
        {
            System.IO.Directory.CreateDirectory(ZfsFuseLab.BaseDirectory);
            await using var fileLock = await LockAsync(Path.Combine(ZfsFuseLab.BaseDirectory, ".daemon.lock"), ct);
            if (await AnswersAsync(runner, ct)) return;
            if (Running() is [_, ..] daemons)
            {
                await WaitForAnswerAsync(runner, TimeSpan.FromSeconds(120),
                    $"zfs-fuse (pid {string.Join(", ", daemons)}) runs but did not answer `zpool list` within 120 s; it is not started again", ct);
                return;
            }
            // setsid -f: the daemon must outlive this test process and not share its terminal. The
            // shell line is a constant (no input in it); it only redirects the daemon's output.
            var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
            foreach (var arg in new[] { "-f", "/bin/sh", "-c", $"exec /sbin/zfs-fuse --no-daemon >>{LogFile} 2>&1" })
                start.ArgumentList.Add(arg);
            using (var process = System.Diagnostics.Process.Start(start)) await process!.WaitForExitAsync(ct);

            await WaitForAnswerAsync(runner, TimeSpan.FromSeconds(20), $"zfs-fuse did not answer `zpool list` within 20 s; see {LogFile}", ct);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// The pids of the zfs-fuse daemons running in this process's mount namespace, from /proc (none in the OpenZFS
    /// guest). A booted test container (the API lane's systemd-nspawn Debian) runs a daemon of its own: not the lab's.
    /// </summary>
    public static IReadOnlyList<int> Running()
    {
        var pids = new List<int>();
        var here = new FileInfo("/proc/self/ns/mnt").LinkTarget;
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == "zfs-fuse" && new FileInfo(Path.Combine(dir, "ns", "mnt")).LinkTarget == here)
                    pids.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was looked at.
            }
        }
        return pids;
    }

    private static async Task WaitForAnswerAsync(IProcessRunner runner, TimeSpan within, string failure, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await AnswersAsync(runner, ct))
        {
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException(failure);
            await Task.Delay(100, ct);
        }
    }

    private static async Task<bool> AnswersAsync(IProcessRunner runner, CancellationToken ct)
    {
        try
        {
            return (await runner.RunAsync(["zpool", "list", "-H", "-o", "name"], TimeSpan.FromSeconds(30), ct)).Succeeded;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}
