using System.Runtime.Versioning;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
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
        UpgradeRoots.RequireTools();
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        var files = lab.Files;
        foreach (var dir in Layout.SharedDirectories) files.CreateDirectory($"/var/shared/{dir}");
        files.WriteAllBytes("/var/shared/log/dpkg.log", Bytes(UpgradeRoots.BaseLog));
        files.WriteAllBytes("/var/shared/mail/root", Bytes("From: lab\n\nlive mail\n"));
        var deb = await UpgradeRoots.BuildPackageAsync(lab.Directory,
            "echo \"hello-su configured in be2\" >> /var/log/hello-su.log\nmkdir -p /var/spool/hello-su\necho 'job 1' > /var/spool/hello-su/queue", Ct);

        // be2: a clone of be1 at a private alternate root, laid out as a migrated BE with dpkg's database
        var be1 = lab.Layout().Be("be1");
        await lab.RunAsync(new ZfsSnapshot($"{be1}@upgrade"));
        var be2 = await lab.CloneBeAsync($"{be1}@upgrade", "be2");
        files.CreateDirectory(Root);
        await lab.RunAsync(new ZfsSet(be2, "mountpoint", Root));
        await lab.RunAsync(new ZfsMount(be2, "nosuid,nodev"));
        UpgradeRoots.LayOutMigratedDebianRoot(lab.HostRoot + Root);

        // the base: VARSHARED's snapshot, cloned read-only
        await lab.RunAsync(new ZfsSnapshot($"{lab.Pool}/VARSHARED@upgrade-be2"));
        files.CreateDirectory(Base);
        await lab.RunAsync(new ZfsClone($"{lab.Pool}/VARSHARED@upgrade-be2", $"{lab.Pool}/upgrade-base-be2",
            Props(("readonly", "on"), ("mountpoint", Base))));
        var live = UpgradeRoots.Tree(lab.HostRoot + "/var/shared");
        var machineLog = File.Exists("/var/log/dpkg.log") ? new FileInfo("/var/log/dpkg.log").Length : 0;

        var mounts = new LinuxMounts(lab.HostRoot, ZfsFuseLab.Runner);
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
            Assert.StartsWith(UpgradeRoots.BaseLog, dpkgLog, StringComparison.Ordinal); // copied up, then appended
            Assert.Contains("status installed hello-su:all 1.0", dpkgLog);
            Assert.False(Directory.Exists($"{upper}/mail/upper/root"));
            Assert.Equal("hello\n", await File.ReadAllTextAsync(lab.HostRoot + Root + "/usr/share/hello-su/README", Ct));
        }
        finally
        {
            for (var i = mounted.Count - 1; i >= 0; i--) await mounts.UnmountAsync(mounted[i], Ct);
        }

        Assert.Equal(live, UpgradeRoots.Tree(lab.HostRoot + "/var/shared"));
        Assert.Equal(live, UpgradeRoots.Tree(lab.HostRoot + Base));
        Assert.Equal(machineLog, File.Exists("/var/log/dpkg.log") ? new FileInfo("/var/log/dpkg.log").Length : 0);
    }
}
