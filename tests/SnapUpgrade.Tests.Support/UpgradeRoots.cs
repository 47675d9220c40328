using System.Runtime.Versioning;
using System.Text;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Infra.Processes;
using Xunit;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// What the upgrade tests (issue 14) install, and into what: a tiny package built with the real
/// dpkg-deb, and a BE root laid out as a migrated Debian root that the real dpkg can install into.
/// </summary>
public static class UpgradeRoots
{
    /// <summary>What the live dpkg.log holds before an upgrade.</summary>
    public const string BaseLog = "2026-12-01 00:00:00 startup packages configure\n";

    public static void RequireTools() =>
        Lane.Require(File.Exists("/usr/bin/dpkg") && File.Exists("/usr/bin/dpkg-deb") && File.Exists("/bin/busybox"),
            "dpkg, dpkg-deb and busybox (Debian's dpkg and busybox-static)");

    /// <summary>
    /// The root at the local path <paramref name="root"/> as a migrated Debian root: /var/adm, log, mail and
    /// spool as the relative links into /var/shared (whose directories are made), dpkg's database, and a
    /// static busybox as /bin/sh and the few programs maintainer scripts run, so they run in the chroot.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static void LayOutMigratedDebianRoot(string root)
    {
        foreach (var dir in Layout.SharedDirectories)
        {
            Directory.CreateDirectory($"{root}/var/shared/{dir}");
            Directory.Delete($"{root}/var/{dir}", recursive: true);
            File.CreateSymbolicLink($"{root}/var/{dir}", $"shared/{dir}");
        }
        Directory.CreateDirectory($"{root}/var/lib/dpkg/info");
        Directory.CreateDirectory($"{root}/var/lib/dpkg/updates");
        File.WriteAllText($"{root}/var/lib/dpkg/status", "");
        File.WriteAllText($"{root}/var/lib/dpkg/available", "");
        Directory.CreateDirectory($"{root}/bin");
        File.Copy("/bin/busybox", $"{root}/bin/busybox");
        File.SetUnixFileMode($"{root}/bin/busybox", (UnixFileMode)0b111_101_101);
        foreach (var program in new[] { "sh", "rm", "mkdir", "echo", "cat" })
            File.CreateSymbolicLink($"{root}/bin/{program}", "busybox");
    }

    /// <summary>
    /// Adds to a root laid out by <see cref="LayOutMigratedDebianRoot"/> what the real apt-get needs to run in it by
    /// <c>chroot</c>: apt-get, dpkg with its helpers and GNU tar, apt's http method, ldconfig, each with the shared
    /// libraries ldd names (copied, about 27 MB), dpkg's architecture tables and its configuration (Debian's log), busybox for the other programs
    /// dpkg asks for, and /etc/apt with <paramref name="sourcesLine"/> as its only source. The tiny root has no
    /// <c>_apt</c> user, so apt downloads as root.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static async Task LayOutAptAsync(string root, string sourcesLine, CancellationToken ct)
    {
        RequireAptTools();
        string[] programs = ["/usr/bin/apt-get", "/usr/bin/dpkg", "/usr/bin/dpkg-deb", "/usr/bin/dpkg-split", "/usr/bin/tar",
            "/usr/lib/apt/methods/http", "/usr/lib/apt/methods/store", "/usr/lib/apt/methods/file", "/sbin/ldconfig"];
        var libraries = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var program in programs)
        {
            var ldd = await new ProcessRunner(TimeSpan.FromMinutes(1)).RunAsync(["ldd", program], ct: ct);
            libraries.UnionWith(ldd.StandardOutput.Split('\n').Select(l => l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
                .SelectMany(words => words.Where(w => w.StartsWith('/'))));
        }
        foreach (var file in programs.Concat(libraries).Concat(Directory.EnumerateFiles("/usr/share/dpkg", "*table")))
        {
            Directory.CreateDirectory(root + Path.GetDirectoryName(file));
            File.Copy(file, root + file, overwrite: true); // a library's link is copied as the file it names
        }
        foreach (var program in new[] { "diff", "start-stop-daemon" })
            File.CreateSymbolicLink($"{root}/bin/{program}", "busybox");
        foreach (var dir in new[] { "etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d", "var/lib/apt/lists/partial",
                     "var/cache/apt/archives/partial", "tmp" })
            Directory.CreateDirectory($"{root}/{dir}");
        await File.WriteAllTextAsync($"{root}/etc/apt/sources.list", sourcesLine + "\n", ct);
        await File.WriteAllTextAsync($"{root}/etc/apt/apt.conf.d/00sandbox", "APT::Sandbox::User \"root\";\n", ct);
        Directory.CreateDirectory($"{root}/etc/dpkg");
        await File.WriteAllTextAsync($"{root}/etc/dpkg/dpkg.cfg", "log /var/log/dpkg.log\n", ct); // Debian's: dpkg logs only where told
    }

    public static void RequireAptTools() =>
        Lane.Require(File.Exists("/usr/bin/apt-get") && File.Exists("/usr/lib/apt/methods/http") && File.Exists("/usr/bin/ldd") && File.Exists("/usr/bin/tar"),
            "apt-get, its http method, ldd and tar (Debian's apt, libc-bin and tar)");

    /// <summary>hello-su <paramref name="version"/> in <paramref name="scratch"/>: /usr/share/hello-su/README ("hello"), and <paramref name="postinst"/> (sh, set -e).</summary>
    [SupportedOSPlatform("linux")]
    public static async Task<string> BuildPackageAsync(string scratch, string postinst, CancellationToken ct, string version = "1.0")
    {
        var tree = Path.Combine(scratch, $"hello-su-{version}");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr/share/hello-su"));
        await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN/control"),
            $"Package: hello-su\nVersion: {version}\nArchitecture: all\nMaintainer: SnapUpgrade tests <tests@example.invalid>\n" +
            "Description: a tiny package for the upgrade tests\n", ct);
        await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN/postinst"), "#!/bin/sh\nset -e\n" + postinst + "\n", ct);
        File.SetUnixFileMode(Path.Combine(tree, "DEBIAN/postinst"), (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(tree, "usr/share/hello-su/README"), "hello\n", ct);
        var deb = Path.Combine(scratch, $"hello-su_{version}_all.deb");
        var built = await new ProcessRunner(TimeSpan.FromMinutes(2)).RunAsync(["dpkg-deb", "--root-owner-group", "--build", tree, deb], ct: ct);
        Assert.True(built.Succeeded, built.StandardError);
        return deb;
    }

    /// <summary>Every path under the local path <paramref name="root"/>, its kind and content: equal strings, equal trees.</summary>
    public static string Tree(string root)
    {
        var text = new StringBuilder();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            text.Append(path[root.Length..]).Append(File.Exists(path) ? " " + File.ReadAllText(path) : "/").Append('\n');
        return text.ToString();
    }
}
