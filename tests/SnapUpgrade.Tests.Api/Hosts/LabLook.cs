using System.Security.Cryptography;
using System.Text;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>
/// A lab host as a person would look at it after a crash, without the console's code: the pool
/// through <c>zfs</c>/<c>zpool</c> run as argv, the mounts from <c>/proc/self/mountinfo</c>, files
/// through System.IO (links not followed) with a SHA-256 of every file. Each look is a text, so
/// "as before" is a string comparison whose failure shows the lines that differ.
/// </summary>
public sealed class LabLook(ITestHost lab)
{
    /// <summary>The console's private directory for its own mounts (<c>EngineOptions.TempRoot</c>), as a host path.</summary>
    public const string PrivateRoot = "/run/snapupgrade";

    private static readonly IProcessRunner Runner = new ProcessRunner(TimeSpan.FromSeconds(30));

    public ITestHost Lab => lab;

    /// <summary>The local path of a host path.</summary>
    public string Local(string hostPath) => lab.HostRoot + hostPath;

    /// <summary>bootfs, every dataset and snapshot with mountpoint, mounted, canmount, origin, and the carry-over mark.</summary>
    /// <summary>One property of one dataset, as zfs gives its value ("-" when unset).</summary>
    public static async Task<string> PropertyAsync(string dataset, string property) =>
        (await Runner.RunAsync(["zfs", "get", "-H", "-o", "value", property, dataset])).EnsureSuccess().StandardOutput.Trim();

    public async Task<string> PoolAsync()
    {
        var text = new StringBuilder();
        foreach (var argv in new[]
        {
            new[] { "zpool", "list", "-H", "-o", "name,bootfs", lab.Pool },
            ["zfs", "list", "-H", "-o", "name,mountpoint,mounted,canmount,origin", "-t", "all", "-r", lab.Pool],
            ["zfs", "get", "-H", "-o", "name,property,value", "-r", "org.snapupgrade:carryover", lab.Pool],
        })
            text.Append((await Runner.RunAsync(argv)).EnsureSuccess().StandardOutput);
        return text.ToString();
    }

    /// <summary>
    /// Every dataset and snapshot with mountpoint, mounted, canmount and origin, then every one of
    /// the console's properties set on it (<c>-s local</c>) but the audit chain's anchor (it moves with
    /// every audit row), and bootfs: the whole pool as the console cares for it.
    /// </summary>
    public async Task<string> PropertiesAsync()
    {
        var text = new StringBuilder();
        foreach (var argv in new[]
        {
            new[] { "zpool", "list", "-H", "-o", "name,bootfs", lab.Pool },
            ["zfs", "list", "-H", "-o", "name,mountpoint,mounted,canmount,origin", "-t", "all", "-r", lab.Pool],
            ["zfs", "get", "-H", "-s", "local", "-o", "name,property,value", "-r", string.Join(',', Core.Zfs.UserProperties.All.Where(p => p != Core.Zfs.UserProperties.AuditHead)), lab.Pool],
        })
            text.Append((await Runner.RunAsync(argv)).EnsureSuccess().StandardOutput);
        return text.ToString();
    }

    /// <summary>Every mount at or under the host root: where, what, from which root of it, with which options.</summary>
    public string Mounts()
    {
        var lines = new List<string>();
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var f = line.Split(' ');
            var mountPoint = f[4];
            if (mountPoint != lab.HostRoot && !mountPoint.StartsWith(lab.HostRoot + "/", StringComparison.Ordinal)) continue;
            var dash = Array.IndexOf(f, "-");
            var hostPath = mountPoint.Length == lab.HostRoot.Length ? "/" : mountPoint[lab.HostRoot.Length..];
            lines.Add($"{hostPath} {f[dash + 2]}:{f[3]} {f[dash + 1]} {f[5]}");
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }

    /// <summary>Mounts (host paths) at or under the console's private directory.</summary>
    public IReadOnlyList<string> PrivateMounts() =>
        [.. Mounts().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(m => m.StartsWith(PrivateRoot + "/", StringComparison.Ordinal))];

    /// <summary>
    /// A directory tree, one line per entry (sorted by path): directories with their mode, files
    /// with mode, size and SHA-256, links with their target (never followed).
    /// </summary>
    public static string Tree(string localDirectory)
    {
        var lines = new List<string>();
        void Walk(DirectoryInfo directory, string relative)
        {
            foreach (var entry in directory.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var path = $"{relative}/{entry.Name}";
                if (entry.LinkTarget is { } target) lines.Add($"l {path} -> {target}");
                else if (entry is DirectoryInfo sub)
                {
                    lines.Add($"d {Mode(entry)} {path}");
                    Walk(sub, path);
                }
                else lines.Add($"f {Mode(entry)} {((FileInfo)entry).Length} {Hash(entry.FullName)} {path}");
            }
        }
        if (Directory.Exists(localDirectory)) Walk(new DirectoryInfo(localDirectory), ".");
        return string.Join('\n', lines);
    }

    /// <summary>The files of a <see cref="Tree"/>, path to SHA-256.</summary>
    public static IReadOnlyDictionary<string, string> Files(string tree) => tree.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Where(l => l.StartsWith("f ", StringComparison.Ordinal)).Select(l => l.Split(' '))
        .ToDictionary(f => f[4], f => f[3], StringComparer.Ordinal);

    public static string Hash(string localFile)
    {
        using var stream = File.OpenRead(localFile);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Mounts a BE that is not mounted by hand (<c>zfs set mountpoint</c>, <c>zfs mount</c>), reads
    /// it, and puts it back as the console keeps BEs (unmounted, <c>mountpoint=/</c>).
    /// </summary>
    public async Task<T> InsideAsync<T>(string be, Func<string, T> read)
    {
        var dataset = $"{lab.Pool}/ROOT/{be}";
        const string at = "/mnt/inspect";
        Directory.CreateDirectory(Local(at));
        (await Runner.RunAsync(["zfs", "set", $"mountpoint={at}", dataset])).EnsureSuccess();
        try
        {
            (await Runner.RunAsync(["zfs", "mount", dataset])).EnsureSuccess();
            try
            {
                return read(Local(at));
            }
            finally
            {
                await WhenNotBusyAsync(["zfs", "unmount", dataset]);
            }
        }
        finally
        {
            (await Runner.RunAsync(["zfs", "set", "mountpoint=/", dataset])).EnsureSuccess();
            Directory.Delete(Local(at));
        }
    }

    /// <summary>
    /// Runs a zfs command a person would run by hand, again while it fails: zfs-fuse can call a file
    /// system busy for a moment after it was read or made (TESTING.md). Fails after 2 s.
    /// </summary>
    public static async Task WhenNotBusyAsync(IReadOnlyList<string> argv)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await Runner.RunAsync(argv);
            if (result.Succeeded) return;
            if (attempt == 20) result.EnsureSuccess();
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Processes still working on this lab (their command line names its pool or host root): none
    /// may outlive a kill of the console's process tree. Waits up to 5 s for them to go.
    /// </summary>
    public async Task AssertNoProcessLeftAsync(string where)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var left = new List<string>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
                string command;
                try
                {
                    command = File.ReadAllText($"{dir}/cmdline").Replace('\0', ' ');
                }
                catch (IOException)
                {
                    continue; // gone meanwhile
                }
                if (command.Contains(lab.HostRoot, StringComparison.Ordinal) || command.Contains($" {lab.Pool}", StringComparison.Ordinal))
                    left.Add($"{pid}: {command}");
            }
            if (left.Count == 0) return;
            Assert.True(DateTime.UtcNow < deadline, $"{where}: processes outlived the kill: {string.Join("; ", left)}");
            await Task.Delay(100);
        }
    }

    /// <summary>Equal texts, or a failure that names where and shows the lines on each side only.</summary>
    public static void Same(string expected, string actual, string what, string where)
    {
        if (expected == actual) return;
        var before = expected.Split('\n');
        var after = actual.Split('\n');
        Assert.Fail($"{where}: {what} differs.\n  only before: {string.Join("\n               ", before.Except(after).Take(20))}\n" +
                    $"  only now:    {string.Join("\n               ", after.Except(before).Take(20))}");
    }

    private static string Mode(FileSystemInfo entry) => Convert.ToString((int)entry.UnixFileMode, 8);
}
