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

    /// <summary>hello-su 1.0 in <paramref name="scratch"/>: /usr/share/hello-su/README ("hello"), and <paramref name="postinst"/> (sh, set -e).</summary>
    [SupportedOSPlatform("linux")]
    public static async Task<string> BuildPackageAsync(string scratch, string postinst, CancellationToken ct)
    {
        var tree = Path.Combine(scratch, "hello-su");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr/share/hello-su"));
        await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN/control"),
            "Package: hello-su\nVersion: 1.0\nArchitecture: all\nMaintainer: SnapUpgrade tests <tests@example.invalid>\n" +
            "Description: a tiny package for the upgrade tests\n", ct);
        await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN/postinst"), "#!/bin/sh\nset -e\n" + postinst + "\n", ct);
        File.SetUnixFileMode(Path.Combine(tree, "DEBIAN/postinst"), (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(tree, "usr/share/hello-su/README"), "hello\n", ct);
        var deb = Path.Combine(scratch, "hello-su_1.0_all.deb");
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
