using System.Net.Sockets;
using System.Security.Cryptography;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// A host root of one test on the local file system (/tmp: ext4 here, with xattrs and ACLs) under
/// <see cref="ZfsFuseLab.BaseDirectory"/>, removed with everything in it (never across a mount).
/// Also the real tools the tests judge by: stat, getfattr, getfacl, run as argv.
/// </summary>
internal sealed class LocalRoot : IAsyncDisposable
{
    public static readonly IProcessRunner Runner = new ProcessRunner(TimeSpan.FromSeconds(60));

    private LocalRoot(string directory)
    {
        Directory = directory;
        HostRoot = Path.Combine(directory, "root");
        System.IO.Directory.CreateDirectory(HostRoot);
    }

    public string Directory { get; }
    public string HostRoot { get; }

    public string Local(string hostPath) => HostRoot + hostPath;

    /// <summary>Root (chown, setuid, mount) and the tools the copy and the checks use.</summary>
    public static LocalRoot Create()
    {
        Lane.Require(Environment.IsPrivilegedProcess && OnPath("rsync") && OnPath("getfattr") && OnPath("getfacl"),
            "root with rsync, attr (getfattr/setfattr) and acl (getfacl/setfacl)");
        return new LocalRoot(Path.Combine(ZfsFuseLab.BaseDirectory, "files-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))));
    }

    public static async Task<string> RunAsync(params string[] argv) =>
        (await Runner.RunAsync(argv, ct: TestHostExtensions.Ct)).EnsureSuccess().StandardOutput;

    /// <summary>
    /// The tree the fidelity tests copy, at the local path <paramref name="at"/>: files of another
    /// uid and gid, a setuid file of uid 1234, a hard-link pair, a 64 MiB sparse file, a FIFO, a Unix
    /// socket, a link to /etc, and (when <paramref name="withAttributes"/>) a user xattr and an ACL.
    /// </summary>
    public static async Task MakeTreeAsync(string at, bool withAttributes)
    {
        System.IO.Directory.CreateDirectory(at + "/sub/deeper");
        await File.WriteAllTextAsync(at + "/owned", "someone else's", TestHostExtensions.Ct);
        await RunAsync("chown", "1234:2345", at + "/owned");
        await File.WriteAllTextAsync(at + "/setuid", "#!/bin/sh\n", TestHostExtensions.Ct);
        await RunAsync("chown", "1234:2345", at + "/setuid");
        await RunAsync("chmod", "4755", at + "/setuid");
        await File.WriteAllTextAsync(at + "/sub/hard1", "one inode, two names", TestHostExtensions.Ct);
        await RunAsync("ln", at + "/sub/hard1", at + "/sub/hard2");
        await RunAsync("truncate", "-s", "64M", at + "/sparse");
        await RunAsync("mkfifo", at + "/fifo");
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET unlinks the socket file it bound when it closes the socket: keep a second name.
            socket.Bind(new UnixDomainSocketEndPoint(at + "/socket.bound"));
            await RunAsync("ln", at + "/socket.bound", at + "/socket");
        }
        File.CreateSymbolicLink(at + "/etc-link", "/etc");
        await File.WriteAllTextAsync(at + "/sub/deeper/file", "deep", TestHostExtensions.Ct);
        await RunAsync("chown", "-h", "1234:2345", at + "/sub/deeper");
        if (withAttributes)
        {
            await RunAsync("setfattr", "-n", "user.origin", "-v", "lab", at + "/owned");
            await RunAsync("setfacl", "-m", "u:1234:rwx", at + "/sub");
        }
        File.SetLastWriteTimeUtc(at + "/owned", new DateTime(2020, 2, 29, 12, 0, 0, DateTimeKind.Utc));
    }

    /// <summary>
    /// What the real tools say about every entry of a tree, by relative path: stat (type, owner,
    /// group, mode with setuid, links, blocks, size and mtime of non-directories), getfattr, getfacl.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> DescribeAsync(string tree)
    {
        var names = (await RunAsync("find", tree, "-mindepth", "1", "-printf", "%P\\n"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var described = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names.Append("."))
        {
            var path = Path.Combine(tree, name);
            var stat = (await RunAsync("stat", "-c", "%F %u:%g %a links=%h blocks=%b", path)).Trim();
            if (!stat.StartsWith("directory", StringComparison.Ordinal))
                stat += " " + (await RunAsync("stat", "-c", "size=%s mtime=%Y", path)).Trim();
            // On zfs-fuse these answer "Operation not supported" (exit 1): that is part of the description.
            var xattrs = await ToolAsync(path, "getfattr", "-d", "-m", "-", "-h", "--absolute-names", path);
            var acl = await ToolAsync(path, "getfacl", "-n", "--physical", "--absolute-names", path);
            described[name] = string.Join(" | ", stat, xattrs, acl);
        }
        return described;
    }

    private static async Task<string> ToolAsync(string path, params string[] argv)
    {
        var result = await Runner.RunAsync(argv, ct: TestHostExtensions.Ct);
        var lines = (result.StandardOutput + result.StandardError).Split('\n')
            .Where(line => !line.StartsWith("# file: ", StringComparison.Ordinal));
        return $"exit {result.ExitCode}: " + string.Join('\n', lines).Replace(path, "<path>", StringComparison.Ordinal).Trim();
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));

    public async ValueTask DisposeAsync()
    {
        if (File.ReadAllText("/proc/self/mountinfo").Contains(Directory, StringComparison.Ordinal))
            throw new InvalidOperationException($"mounts remain under {Directory}; not deleting it");
        await Runner.RunAsync(["rm", "-rf", "--one-file-system", Directory]);
    }
}
