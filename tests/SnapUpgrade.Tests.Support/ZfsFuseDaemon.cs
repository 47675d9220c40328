using System.Diagnostics;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// Starts the zfs-fuse daemon when nothing answers (CI starts with none running). Serialised within
/// this process by a semaphore and across test processes by an exclusive lock file, so parallel
/// test projects never start two daemons.
/// </summary>
internal static class ZfsFuseDaemon
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
            // setsid -f: the daemon must outlive this test process and not share its terminal. The
            // shell line is a constant (no input in it); it only redirects the daemon's output.
            var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
            foreach (var arg in new[] { "-f", "/bin/sh", "-c", $"exec /sbin/zfs-fuse --no-daemon >>{LogFile} 2>&1" })
                start.ArgumentList.Add(arg);
            using (var process = System.Diagnostics.Process.Start(start)) await process!.WaitForExitAsync(ct);

            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!await AnswersAsync(runner, ct))
            {
                if (DateTime.UtcNow > deadline)
                    throw new InvalidOperationException($"zfs-fuse did not answer `zpool list` within 20 s; see {LogFile}");
                await Task.Delay(100, ct);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> AnswersAsync(IProcessRunner runner, CancellationToken ct) =>
        (await runner.RunAsync(["zpool", "list", "-H", "-o", "name"], TimeSpan.FromSeconds(10), ct)).Succeeded;

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
