using System.Runtime.Versioning;
using System.Text;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// ADR 0026's staging, laid by hand on a real zfs-fuse pool, with the real dpkg: a package whose
/// files go to /usr/share and whose postinst appends to /var/log and makes a spool queue is installed
/// into a new BE at an alternate root whose shared directories are overlays over a read-only clone
/// of the shared dataset's snapshot. The install must succeed, its shared-directory writes (dpkg's
/// own log too) must be in the overlays' upper trees, and the running host's shared data must be
/// byte-identical. The engine's upgrade operation is built on exactly these parts.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class UpgradeStagingTests
{
    private const string Root = "/run/su-upgrade/root", Base = "/run/su-upgrade/base", Stage = "/run/su-upgrade/stage";

    [Fact]
    public async Task Dpkg_InstallsIntoAStagedAlternateRoot_SharedWritesStaged_LiveSharedDataUntouched()
    {
        Lane.Require(File.Exists("/usr/bin/dpkg") && File.Exists("/usr/bin/dpkg-deb") && File.Exists("/bin/busybox"),
            "dpkg, dpkg-deb and busybox (Debian's dpkg and busybox-static)");
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        var files = lab.Files;
        foreach (var dir in Layout.SharedDirectories) files.CreateDirectory($"/var/shared/{dir}");
        files.WriteAllBytes("/var/shared/log/dpkg.log", Bytes("2026-12-01 00:00:00 startup packages configure\n"));
        files.WriteAllBytes("/var/shared/mail/root", Bytes("From: lab\n\nlive mail\n"));
        var deb = await BuildPackageAsync(lab.Directory);

        // be2: a clone of be1 at a private alternate root, laid out as a migrated BE with dpkg's database
        var be1 = lab.Layout().Be("be1");
        await lab.RunAsync(new ZfsSnapshot($"{be1}@upgrade"));
        var be2 = await lab.CloneBeAsync($"{be1}@upgrade", "be2");
        files.CreateDirectory(Root);
        await lab.RunAsync(new ZfsSet(be2, "mountpoint", Root));
        await lab.RunAsync(new ZfsMount(be2, "nosuid,nodev"));
        LayOutMigratedDebianRoot(lab.HostRoot + Root);

        // the base: VARSHARED's snapshot, cloned read-only
        await lab.RunAsync(new ZfsSnapshot($"{lab.Pool}/VARSHARED@upgrade-be2"));
        files.CreateDirectory(Base);
        await lab.RunAsync(new ZfsClone($"{lab.Pool}/VARSHARED@upgrade-be2", $"{lab.Pool}/upgrade-base-be2",
            Props(("readonly", "on"), ("mountpoint", Base))));
        var live = Tree(lab.HostRoot + "/var/shared");
        var machineLog = File.Exists("/var/log/dpkg.log") ? new FileInfo("/var/log/dpkg.log").Length : 0;

        var mounts = new LinuxMounts(lab.HostRoot, new ProcessRunner(TimeSpan.FromSeconds(60)));
        var mounted = new List<string>();
        files.CreateDirectory(Stage);
        await mounts.MountTmpfsAsync(Stage, 16, Ct);
        mounted.Add(Stage);
        CommandRun run;
        try
        {
            foreach (var dir in Layout.SharedDirectories)
            {
                files.CreateDirectory($"{Stage}/{dir}/upper");
                files.CreateDirectory($"{Stage}/{dir}/work");
                await mounts.MountOverlayAsync(new OverlayLayers($"{Base}/{dir}", $"{Stage}/{dir}/upper", $"{Stage}/{dir}/work"),
                    $"{Root}/var/shared/{dir}", Ct);
                mounted.Add($"{Root}/var/shared/{dir}");
            }
            var dpkg = new UpgradeCommand(["dpkg", "--root={root}", "--log={root}/var/log/dpkg.log", "--force-not-root", "-i", deb],
                lab.HostRoot, TimeSpan.FromMinutes(5));
            var lines = new List<string>();
            run = await dpkg.RunAsync(Root, "be2", line => { lock (lines) lines.Add(line); }, Ct);

            Assert.True(run.Succeeded, $"{run.Summary}:\n{run.Output}");
            Assert.Contains("Setting up hello-su (1.0) ...", lines);
            var upper = lab.HostRoot + Stage;
            Assert.Equal("hello-su configured in be2\n", await File.ReadAllTextAsync($"{upper}/log/upper/hello-su.log", Ct));
            Assert.Equal("job 1\n", await File.ReadAllTextAsync($"{upper}/spool/upper/hello-su/queue", Ct));
            var dpkgLog = await File.ReadAllTextAsync($"{upper}/log/upper/dpkg.log", Ct);
            Assert.StartsWith("2026-12-01 00:00:00 startup packages configure\n", dpkgLog, StringComparison.Ordinal); // copied up, then appended
            Assert.Contains("status installed hello-su:all 1.0", dpkgLog);
            Assert.False(Directory.Exists($"{upper}/mail/upper/root"));
            Assert.Equal("hello\n", await File.ReadAllTextAsync(lab.HostRoot + Root + "/usr/share/hello-su/README", Ct));
        }
        finally
        {
            for (var i = mounted.Count - 1; i >= 0; i--) await mounts.UnmountAsync(mounted[i], Ct);
        }

        Assert.Equal(live, Tree(lab.HostRoot + "/var/shared"));
        Assert.Equal(live, Tree(lab.HostRoot + Base));
        Assert.Equal(machineLog, File.Exists("/var/log/dpkg.log") ? new FileInfo("/var/log/dpkg.log").Length : 0);
    }

    /// <summary>
    /// The new BE as a migrated Debian root would be: /var/adm, log, mail and spool as the relative links
    /// into /var/shared, an empty /var/shared to mount on, dpkg's database, and busybox as /bin/sh (and
    /// the few programs dpkg and the postinst run), static, so maintainer scripts run in the chroot.
    /// </summary>
    private static void LayOutMigratedDebianRoot(string root)
    {
        foreach (var dir in Layout.SharedDirectories)
        {
            Directory.Delete($"{root}/var/{dir}", recursive: true);
            File.CreateSymbolicLink($"{root}/var/{dir}", $"shared/{dir}");
            Directory.CreateDirectory($"{root}/var/shared/{dir}");
        }
        Directory.CreateDirectory($"{root}/var/lib/dpkg/info");
        Directory.CreateDirectory($"{root}/var/lib/dpkg/updates");
        File.WriteAllText($"{root}/var/lib/dpkg/status", "");
        File.WriteAllText($"{root}/var/lib/dpkg/available", "");
        Directory.CreateDirectory($"{root}/bin");
        File.Copy("/bin/busybox", $"{root}/bin/busybox");
        File.SetUnixFileMode($"{root}/bin/busybox", (UnixFileMode)0b111_101_101);
        foreach (var program in new[] { "sh", "rm", "mkdir", "echo", "cat", "tar", "diff", "find", "ldconfig", "start-stop-daemon" })
            File.CreateSymbolicLink($"{root}/bin/{program}", "busybox");
        Directory.CreateDirectory($"{root}/usr/bin");
        Directory.CreateDirectory($"{root}/usr/sbin");
        Directory.CreateDirectory($"{root}/sbin");
    }

    /// <summary>hello-su 1.0: /usr/share/hello-su/README, and a postinst that appends to /var/log/hello-su.log and makes a spool queue.</summary>
    private static async Task<string> BuildPackageAsync(string scratch)
    {
        var tree = Path.Combine(scratch, "hello-su");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr/share/hello-su"));
        await File.WriteAllTextAsync(Path.Combine(tree, "DEBIAN/control"),
            "Package: hello-su\nVersion: 1.0\nArchitecture: all\nMaintainer: SnapUpgrade tests <tests@example.invalid>\n" +
            "Description: a tiny package for the upgrade tests\n", Ct);
        var postinst = Path.Combine(tree, "DEBIAN/postinst");
        await File.WriteAllTextAsync(postinst,
            "#!/bin/sh\nset -e\necho \"hello-su configured in be2\" >> /var/log/hello-su.log\nmkdir -p /var/spool/hello-su\necho 'job 1' > /var/spool/hello-su/queue\n", Ct);
        File.SetUnixFileMode(postinst, (UnixFileMode)0b111_101_101);
        await File.WriteAllTextAsync(Path.Combine(tree, "usr/share/hello-su/README"), "hello\n", Ct);
        var deb = Path.Combine(scratch, "hello-su_1.0_all.deb");
        var built = await new ProcessRunner(TimeSpan.FromMinutes(2)).RunAsync(["dpkg-deb", "--root-owner-group", "--build", tree, deb], ct: Ct);
        Assert.True(built.Succeeded, built.StandardError);
        return deb;
    }

    /// <summary>Every path under <paramref name="root"/>, its kind and content.</summary>
    private static string Tree(string root)
    {
        var text = new StringBuilder();
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            text.Append(path[root.Length..]).Append(File.Exists(path) ? " " + File.ReadAllText(path) : "/").Append('\n');
        return text.ToString();
    }
}
