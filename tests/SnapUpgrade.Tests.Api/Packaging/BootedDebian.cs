using System.Diagnostics;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Packaging;

/// <summary>
/// A Debian machine with systemd as PID 1: a container (systemd-nspawn, its own network, nothing shared with
/// the host but the kernel) booted from a debootstrap root cached once per machine
/// (<c>debian-rootfs.sh</c>, under <c>/var/cache/snapupgrade/nspawn</c>), under an overlay of its own so the
/// cache is never written. Commands run inside through nsenter into the container's namespaces, as argv.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BootedDebian : IAsyncDisposable
{
    public const string Cache = "/var/cache/snapupgrade/nspawn";
    private static readonly TimeSpan BootLimit = TimeSpan.FromSeconds(120);

    private readonly string _temp;
    private readonly Process _nspawn;
    private int _leader;

    private BootedDebian(string temp, Process nspawn)
    {
        _temp = temp;
        _nspawn = nspawn;
    }

    /// <summary>The container's root as the host sees it (the overlay's merged view).</summary>
    public string Root => Path.Combine(_temp, "merged");
    public string ConsoleLog => Path.Combine(_temp, "console.log");

    public static void Require()
    {
        Lane.Require(Environment.IsPrivilegedProcess, "root (a container with systemd as PID 1)");
        Lane.Require(File.Exists("/usr/bin/systemd-nspawn"), "systemd-nspawn (Debian's systemd-container)");
        Lane.Require(File.Exists("/usr/sbin/debootstrap"), "debootstrap");
        Lane.Require(File.Exists("/usr/bin/nsenter"), "nsenter (util-linux)");
    }

    /// <summary>
    /// Boots the container. <paramref name="withZfsFuse"/>: /dev/fuse is bound in and a zfs-fuse daemon runs
    /// inside (a unit of its own; Debian's init script fails in a container), so the container has real ZFS.
    /// </summary>
    public static async Task<BootedDebian> BootAsync(bool withZfsFuse = false)
    {
        Require();
        if (withZfsFuse) Lane.Require(File.Exists("/dev/fuse"), "/dev/fuse (zfs-fuse in the container)");
        var script = Path.Combine(RepoRoot.Find(), "tests", "SnapUpgrade.Tests.Api", "Packaging", "debian-rootfs.sh");
        var rootfs = await BuiltPackage.RunAsync(script, [Cache], TimeSpan.FromMinutes(15));
        Assert.True(rootfs.Exit == 0, $"debian-rootfs.sh (exit {rootfs.Exit}):\n{rootfs.Output}");
        // Its path is its one line on stdout, which comes first: when the cache is built, debootstrap's lines on stderr
        // follow it (the last line was taken until session 17, so a machine's first boot failed: "special device
        // overlay does not exist", the lower layer being "I: Base system installed successfully.").
        var lower = rootfs.Output.Split('\n')[0].Trim();
        Assert.True(lower.StartsWith(Cache + "/", StringComparison.Ordinal) && Directory.Exists(lower),
            $"debian-rootfs.sh named no cached root on its first line:\n{rootfs.Output}");

        var temp = Directory.CreateTempSubdirectory("snapupgrade-debian-").FullName;
        foreach (var dir in new[] { "upper", "work", "merged" }) Directory.CreateDirectory(Path.Combine(temp, dir));
        var overlay = await BuiltPackage.RunAsync("mount", ["-t", "overlay", "overlay", "-o",
            $"lowerdir={lower},upperdir={Path.Combine(temp, "upper")},workdir={Path.Combine(temp, "work")}", Path.Combine(temp, "merged")], TimeSpan.FromMinutes(1));
        Assert.True(overlay.Exit == 0, $"mount overlay: {overlay.Output}");

        // --keep-unit --register=no: no systemd on the host to register with; --private-network: its localhost is its own.
        var start = new ProcessStartInfo("systemd-nspawn")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var arg in new[] { "-D", Path.Combine(temp, "merged"), "--register=no", "--keep-unit", "--private-network", "-b", "-q" })
            start.ArgumentList.Add(arg);
        if (withZfsFuse) start.ArgumentList.Add("--bind=/dev/fuse");
        var nspawn = Process.Start(start)!;
        var booted = new BootedDebian(temp, nspawn);
        var log = new StreamWriter(booted.ConsoleLog) { AutoFlush = true };
        nspawn.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        nspawn.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        nspawn.BeginOutputReadLine();
        nspawn.BeginErrorReadLine();
        try
        {
            await booted.WaitForBootAsync();
            if (withZfsFuse) await booted.StartZfsFuseAsync();
        }
        catch
        {
            await booted.DisposeAsync();
            throw;
        }
        return booted;
    }

    /// <summary>Until the container's systemd says the boot is done (running, or degraded: a unit of Debian's failed).</summary>
    private async Task WaitForBootAsync()
    {
        var clock = Stopwatch.StartNew();
        var state = "";
        while (clock.Elapsed < BootLimit)
        {
            if (_nspawn.HasExited) break;
            _leader = _leader != 0 ? _leader : Leader();
            if (_leader != 0)
            {
                state = (await RunAsync("systemctl", "is-system-running")).Output.Trim();
                if (state is "running" or "degraded") return;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"the container did not boot within {BootLimit.TotalSeconds} s (state '{state}'):\n{File.ReadAllText(ConsoleLog)}");
    }

    private async Task StartZfsFuseAsync()
    {
        await MustAsync("systemd-run", "--unit=zfs-fuse-daemon", "/usr/sbin/zfs-fuse", "--no-daemon");
        for (var attempt = 0; attempt < 80; attempt++)
        {
            if ((await RunAsync("zpool", "list")).Exit == 0) return;
            await Task.Delay(250);
        }
        Assert.Fail($"zfs-fuse in the container did not answer within 20 s:\n{(await RunAsync("journalctl", "--no-pager", "-u", "zfs-fuse-daemon")).Output}");
    }

    /// <summary>The container's PID 1 as the host numbers it: the child of systemd-nspawn.</summary>
    private int Leader()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == _nspawn.Id) return pid;
            }
            catch (IOException)
            {
                // gone meanwhile
            }
        }
        return 0;
    }

    /// <summary>Runs argv inside the container (its mount, UTS, IPC, network and PID namespaces) as root.</summary>
    public Task<(int Exit, string Output)> RunAsync(params string[] argv) => RunAsync(TimeSpan.FromMinutes(3), argv);

    public Task<(int Exit, string Output)> RunAsync(TimeSpan limit, params string[] argv) =>
        BuiltPackage.RunAsync("nsenter", ["-t", _leader.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "-u", "-i", "-n", "-p", "--", .. argv], limit);

    public async Task<string> MustAsync(params string[] argv)
    {
        var (exit, output) = await RunAsync(argv);
        Assert.True(exit == 0, $"`{string.Join(' ', argv)}` in the container exited {exit}:\n{output}");
        return output;
    }

    public async ValueTask DisposeAsync()
    {
        // Powered off from inside (its services stop as on a real host); systemd-nspawn exits with it.
        if (!_nspawn.HasExited)
        {
            if (_leader != 0) await RunAsync(TimeSpan.FromSeconds(30), "systemctl", "poweroff", "--no-block");
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _nspawn.WaitForExitAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
                _nspawn.Kill(entireProcessTree: true);
                await _nspawn.WaitForExitAsync();
            }
        }
        _nspawn.Dispose();
        var unmounted = await BuiltPackage.RunAsync("umount", [Root], TimeSpan.FromMinutes(1));
        if (unmounted.Exit != 0) await BuiltPackage.RunAsync("umount", ["-l", Root], TimeSpan.FromMinutes(1));
        // Never delete through a mount: the overlay must be gone first.
        if (File.ReadAllText("/proc/self/mountinfo").Contains(_temp, StringComparison.Ordinal))
            throw new InvalidOperationException($"mounts remain under {_temp}; not deleting it");
        Directory.Delete(_temp, recursive: true);
    }
}
