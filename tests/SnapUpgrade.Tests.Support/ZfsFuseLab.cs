using System.Security.Cryptography;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Zfs;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// A real ZFS host for one test: its own pool in a 512M sparse file under
/// <c>/tmp/snapupgrade-tests/&lt;pool&gt;/</c>, imported under the altroot <c>root/</c> there, which is
/// its host root. It only ever touches that pool and that directory. The pool is zfs-fuse's, or the
/// kernel's OpenZFS under <see cref="Lane.IsOpenZfs"/> (the OpenZFS lane's guest): the same tests
/// describe both, and say by <see cref="IZfs.Capabilities"/> where the two differ.
/// </summary>
public sealed class ZfsFuseLab : ITestHost
{
    public const string BaseDirectory = "/tmp/snapupgrade-tests";
    private const long ImageSize = 512L * 1024 * 1024;

    /// <summary>
    /// Every zfs, zpool and mount command of a lab, the engine's under test included, may take 3 minutes (a host's
    /// engine gives them 60 s): zfs-fuse stalls now and then under the lanes' load. In session 18's CI a `zfs unmount`
    /// hung past 60 s while a write into another pool took over 20 s, and all went on again afterwards; the test
    /// whose unmount it was failed for the stall alone. A daemon that never comes back is the watchdog's (test.sh).
    /// </summary>
    public static readonly IProcessRunner Runner = new ProcessRunner(TimeSpan.FromSeconds(180));

    private ZfsFuseLab(string pool, string directory, IZfs zfs)
    {
        Pool = pool;
        Directory = directory;
        HostRoot = Path.Combine(directory, "root");
        Zfs = zfs;
        Mounts = new LinuxMounts(HostRoot, Runner);
        Files = new LocalFiles(HostRoot);
        Process = new LocalProcessFiles(HostRoot);
    }

    public string Name => Lane.IsOpenZfs ? "openzfs" : "zfs-fuse";
    public string Pool { get; }
    public string HostRoot { get; }
    /// <summary>The lab's own directory: the pool image and the host root live in it.</summary>
    public string Directory { get; }
    public IZfs Zfs { get; }
    public IMounts Mounts { get; }
    public IHostFiles Files { get; }
    public IProcessFiles Process { get; }

    public static bool IsInstalled =>
        (Lane.IsOpenZfs ? File.Exists("/dev/zfs") : File.Exists("/sbin/zfs-fuse") && File.Exists("/dev/fuse"))
        && Environment.IsPrivilegedProcess && OnPath("zfs") && OnPath("zpool");

    public static Task<ZfsFuseLab> CreateAsync(CancellationToken ct = default) => CreateAsync("su", ct);

    /// <summary>A lab whose pool's name starts with <paramref name="namePrefix"/> (the scale lane and load script use suload, so their pools are told apart from the tests').</summary>
    public static async Task<ZfsFuseLab> CreateAsync(string namePrefix, CancellationToken ct = default)
    {
        Lane.RequireZfsFuse();
        // The kernel module needs no daemon; zfs-fuse does, and CI starts with none running.
        if (!Lane.IsOpenZfs) await ZfsFuseDaemon.EnsureRunningAsync(Runner, ct);

        var pool = NewPoolName(namePrefix);
        var directory = Path.Combine(BaseDirectory, pool);
        var root = Path.Combine(directory, "root");
        System.IO.Directory.CreateDirectory(root);
        var create = await CreatePoolAsync(pool, Path.Combine(directory, "pool.img"), root, ct);
        if (!create.Succeeded)
        {
            System.IO.Directory.Delete(directory, recursive: true);
            create.EnsureSuccess();
        }
        try
        {
            return new ZfsFuseLab(pool, directory, await ZfsCli.DetectAsync(Runner, ct));
        }
        catch
        {
            await new ZfsFuseLab(pool, directory, new ZfsCli(new ZfsCapabilities("zfs-fuse", false, ReleasesAfterUnmount: true), Runner)).DisposeAsync();
            throw;
        }
    }

    private static string NewPoolName(string prefix = "su") => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>
    /// A pool in an image file, imported under <paramref name="root"/>, its root dataset unmounted. For
    /// zfs-fuse the image's blocks are allocated up front: zfs-fuse wedges a pool whose image cannot grow
    /// (every writer then waits in the kernel for good: reproduced with an image on a full file system, and
    /// the likely cause of a CI run whose zfs lanes each hung until their timeout, on a machine whose disk
    /// is shared), so a full disk is said here, at once, as "No space left on device". The
    /// OpenZFS guest keeps sparse images: its disk is its own, not shared with other machines.
    /// </summary>
    private static async Task<ProcessResult> CreatePoolAsync(string pool, string image, string root, CancellationToken ct)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            PreallocationSize = Lane.IsOpenZfs ? 0 : ImageSize,
        };
        await using (var file = new FileStream(image, options)) file.SetLength(ImageSize);
        return await Runner.RunAsync(["zpool", "create", "-o", "cachefile=none", "-O", "mountpoint=none",
            "-O", "canmount=off", "-R", root, pool, image], ct: ct);
    }

    private readonly List<string> _addedPools = [];

    public async Task<string> AddPoolAsync()
    {
        var pool = NewPoolName();
        (await CreatePoolAsync(pool, Path.Combine(Directory, $"{pool}.img"), HostRoot, CancellationToken.None)).EnsureSuccess();
        _addedPools.Add(pool);
        return pool;
    }

    /// <summary>
    /// Every property set on a dataset of <paramref name="pool"/> itself (<c>zfs get all -s local</c>, user
    /// properties of any namespace included) and its mount state, as comparable text.
    /// </summary>
    public async Task<string> LocalPropertiesAsync(string pool)
    {
        if (pool != Pool && !_addedPools.Contains(pool)) throw new ArgumentException($"{pool} is not a pool of this lab", nameof(pool));
        var local = await Runner.RunAsync(["zfs", "get", "-H", "-r", "-s", "local", "-o", "name,property,value", "all", pool]);
        var mounted = await Runner.RunAsync(["zfs", "get", "-H", "-r", "-o", "name,property,value", "mounted,mountpoint", pool]);
        return local.EnsureSuccess().StandardOutput + mounted.EnsureSuccess().StandardOutput;
    }

    public async ValueTask DisposeAsync()
    {
        // Binds (and anything else not of this pool) first, deepest first: they pin the datasets.
        foreach (var mount in ForeignMountsUnder(Directory).OrderByDescending(m => m.MountPoint.Length))
        {
            var result = await Runner.RunAsync(["umount", mount.MountPoint]);
            if (!result.Succeeded) await Runner.RunAsync(["umount", "-l", mount.MountPoint]);
        }
        // An added pool mounts inside the first one's datasets (/boot in the booted BE): it goes first.
        foreach (var pool in _addedPools) await DestroyPoolAsync(pool);
        await DestroyPoolAsync(Pool);
        // Never delete through a mount: if anything is still mounted here, leave the directory.
        if (MountInfoParser.Parse(File.ReadAllText("/proc/self/mountinfo")).Any(m => IsUnder(m.MountPoint, Directory)))
            throw new InvalidOperationException($"lab {Pool}: mounts remain under {Directory}; not deleting it");
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static async Task DestroyPoolAsync(string pool)
    {
        // Right after an unmount zfs-fuse can still call the pool busy for a moment, longer on a
        // loaded machine (seen past 2 s with four builds running on 2 cores, past 15 s once in a CI run
        // while the OpenZFS guest was starting, and past 45 s in session 18's CI during a stall of the
        // daemon that it came out of: up to 2 minutes are waited for now).
        for (var attempt = 1; ; attempt++)
        {
            var result = await Runner.RunAsync(["zpool", "destroy", "-f", pool]);
            if (result.Succeeded || result.StandardError.Contains("no such pool", StringComparison.Ordinal)) return;
            if (attempt == 400)
                throw new InvalidOperationException($"`zpool destroy -f {pool}` still says busy after 2 minutes: {result.StandardError.Trim()}\n" +
                    await HoldersAsync(pool));
            await Task.Delay(300);
        }
    }

    /// <summary>
    /// Who may hold <paramref name="pool"/>, for the next look at a pool zfs-fuse calls busy: the pool's mounts left
    /// here and who has a file or a cwd in them (fuser), then from one pass over the processes every other mount
    /// namespace that still holds a copy of one (zfs-fuse cannot let go of a file system while any copy is mounted:
    /// session 16) and zfs and zpool commands still running, each zfs-fuse daemon's threads by what they wait in
    /// (<see cref="ZfsFuseDaemon.Running"/>: session 18 found two daemons), and fuse connections with requests waiting.
    /// </summary>
    private static async Task<string> HoldersAsync(string pool)
    {
        var text = new System.Text.StringBuilder();
        bool OfPool(MountInfoEntry m) => m.Source == pool || m.Source.StartsWith(pool + "/", StringComparison.Ordinal);
        var here = MountInfoParser.Parse(File.ReadAllText("/proc/self/mountinfo")).Where(OfPool).Select(m => m.MountPoint).ToList();
        text.AppendLine("mounted here: " + (here.Count == 0 ? "nothing" : string.Join(", ", here)));
        foreach (var mount in here)
        {
            try
            {
                var fuser = await Runner.RunAsync(["fuser", "-vm", mount]);
                text.AppendLine($"fuser -vm {mount}:").AppendLine(fuser.StandardOutput + fuser.StandardError);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or TimeoutException)
            {
                text.AppendLine($"(fuser: {e.Message})");
            }
        }
        var ours = MountNamespace("self");
        foreach (var pid in System.IO.Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)))
        {
            try
            {
                var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
                // A client whose request zfs-fuse never ended may hold the pool (session 17: a pool no mount held anywhere
                // was destroyed at once after the test processes were killed).
                if (argv.Length > 0 && Path.GetFileName(argv[0]) is "zfs" or "zpool")
                    text.AppendLine($"running: pid {pid}: {string.Join(' ', argv)}");
                if (MountNamespace(pid!) is not { } ns || ns == ours) continue;
                var held = MountInfoParser.Parse(File.ReadAllText($"/proc/{pid}/mountinfo")).Where(OfPool).ToList();
                if (held.Count > 0)
                    text.AppendLine($"pid {pid} ({string.Join(' ', argv)}) in {ns} holds {held.Count} mount(s) of {pool}, first {held[0].MountPoint}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was looked at.
            }
        }
        // Session 17's CI found 405 of 413 threads in futex_do_wait, one reading /dev/fuse, while every write into a
        // lab's mount hung (a deadlock inside zfs-fuse) and pools were "busy".
        var daemons = ZfsFuseDaemon.Running();
        if (daemons.Count > 1) text.AppendLine($"{daemons.Count} zfs-fuse daemons run: one at a time is what the lab expects");
        foreach (var daemon in daemons)
        {
            try
            {
                var waits = System.IO.Directory.EnumerateDirectories($"/proc/{daemon}/task")
                    .Select(t => File.ReadAllText(Path.Combine(t, "wchan")).Trim()).CountBy(w => w).OrderByDescending(w => w.Value);
                text.AppendLine($"zfs-fuse pid {daemon} threads waiting in: " + string.Join(", ", waits.Select(w => $"{w.Key} {w.Value}")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The daemon ended while it was looked at.
            }
        }
        const string Connections = "/sys/fs/fuse/connections"; // where fusectl is mounted
        foreach (var connection in System.IO.Directory.Exists(Connections) ? System.IO.Directory.EnumerateDirectories(Connections) : [])
        {
            try
            {
                if (File.ReadAllText(Path.Combine(connection, "waiting")).Trim() is var waiting && waiting != "0")
                    text.AppendLine($"fuse connection {Path.GetFileName(connection)}: {waiting} request(s) waiting");
            }
            catch (IOException)
            {
                // The connection closed while it was looked at.
            }
        }
        return text.ToString();
    }

    private static string? MountNamespace(string pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/mnt").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private IEnumerable<MountInfoEntry> ForeignMountsUnder(string directory)
    {
        var entries = MountInfoParser.Parse(File.ReadAllText("/proc/self/mountinfo"));
        var binds = MountInfoParser.Binds(entries).Select(b => b.Bind).ToHashSet();
        return entries.Where(e => IsUnder(e.MountPoint, directory)
            && (binds.Contains(e) || !_addedPools.Append(Pool).Any(p => e.Source == p || e.Source.StartsWith(p + "/", StringComparison.Ordinal))));
    }

    private static bool IsUnder(string path, string directory) =>
        path == directory || path.StartsWith(directory + "/", StringComparison.Ordinal);

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
