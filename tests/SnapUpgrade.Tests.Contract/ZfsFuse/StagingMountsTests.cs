using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// An upgrade's staging mounts (ADR 0026) with the real kernel: a tmpfs for the upper layers and an
/// overlay over a shared directory whose lower layer is a read-only clone of the shared dataset's
/// snapshot. What a package tool does through the overlay must land in the upper tree only, as
/// overlayfs writes it (whole files, whiteouts), and change neither the base nor the live data.
/// </summary>
public sealed class StagingMountsTests
{
    [Fact]
    public async Task Overlay_WritesThroughIt_LandInTheUpperOnly_BaseAndLiveDataUntouched()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        var mounts = new LinuxMounts(lab.HostRoot, ZfsFuseLab.Runner);
        lab.Files.CreateDirectory("/var/shared/log/apt");
        lab.Files.WriteAllBytes("/var/shared/log/dpkg.log", "before the upgrade\n"u8.ToArray());
        lab.Files.WriteAllBytes("/var/shared/log/apt/history.log", "old history\n"u8.ToArray());
        lab.Files.WriteAllBytes("/var/shared/log/old.log", "rotated away\n"u8.ToArray());
        var base_ = await CloneSharedAsync(lab, "/run/stage/base");
        lab.Files.CreateDirectory("/run/stage/tmp");
        lab.Files.CreateDirectory("/mnt/be2/var/shared/log");
        var live = UpgradeRoots.Tree(lab.HostRoot + "/var/shared");
        var baseBefore = UpgradeRoots.Tree(lab.HostRoot + base_);

        await mounts.MountTmpfsAsync("/run/stage/tmp", 16, Ct);
        try
        {
            lab.Files.CreateDirectory("/run/stage/tmp/log/upper");
            lab.Files.CreateDirectory("/run/stage/tmp/log/work");
            await mounts.MountOverlayAsync(new OverlayLayers(base_ + "/log", "/run/stage/tmp/log/upper", "/run/stage/tmp/log/work"),
                "/mnt/be2/var/shared/log", Ct);
            try
            {
                // what dpkg and apt do: append, create, delete, make a directory
                var merged = lab.HostRoot + "/mnt/be2/var/shared/log";
                Assert.Equal("before the upgrade\n", await File.ReadAllTextAsync(merged + "/dpkg.log", Ct));
                await File.AppendAllTextAsync(merged + "/dpkg.log", "status installed hello:all 1.0\n", Ct);
                await File.WriteAllTextAsync(merged + "/hello.log", "hello's own log\n", Ct);
                File.Delete(merged + "/old.log");
                Directory.CreateDirectory(merged + "/hello");

                var options = PerMountOptions(merged);
                Assert.StartsWith("rw,nosuid,nodev", options);
                Assert.Contains("rw,nosuid,nodev,noexec", PerMountOptions(lab.HostRoot + "/run/stage/tmp"));
                var upper = lab.HostRoot + "/run/stage/tmp/log/upper";
                Assert.Equal("before the upgrade\nstatus installed hello:all 1.0\n", await File.ReadAllTextAsync(upper + "/dpkg.log", Ct));
                Assert.Equal("hello's own log\n", await File.ReadAllTextAsync(upper + "/hello.log", Ct));
                Assert.True(Directory.Exists(upper + "/hello"));
                Assert.False(File.Exists(upper + "/apt/history.log")); // never written: not copied up
                var whiteout = lab.Files.Stat("/run/stage/tmp/log/upper/old.log");
                Assert.Equal(FileKind.Other, whiteout?.Kind); // a character device 0/0: overlayfs' whiteout
            }
            finally
            {
                await mounts.UnmountAsync("/mnt/be2/var/shared/log", Ct);
            }
        }
        finally
        {
            await mounts.UnmountAsync("/run/stage/tmp", Ct);
        }

        Assert.Equal(live, UpgradeRoots.Tree(lab.HostRoot + "/var/shared"));
        Assert.Equal(baseBefore, UpgradeRoots.Tree(lab.HostRoot + base_));
        var table = await File.ReadAllTextAsync("/proc/self/mountinfo", Ct);
        Assert.DoesNotContain(lab.HostRoot + "/mnt/be2", table);
        Assert.DoesNotContain(lab.HostRoot + "/run/stage/tmp", table);
    }

    [Fact]
    public void DescribeOverlay_ShowsLocalPathsAndRefusesAPathThatWouldSplitTheOptions()
    {
        var mounts = new LinuxMounts("/srv/lab");

        Assert.Equal(["mount", "--no-canonicalize", "-t", "overlay", "-o",
                "lowerdir=/srv/lab/run/b/log,upperdir=/srv/lab/run/t/log/upper,workdir=/srv/lab/run/t/log/work," + StagingMountCommand.OverlayOptions,
                "overlay", "/srv/lab/run/be2/var/shared/log"],
            mounts.DescribeOverlay(new OverlayLayers("/run/b/log", "/run/t/log/upper", "/run/t/log/work"), "/run/be2/var/shared/log"));
        Assert.Equal(["mount", "--no-canonicalize", "-t", "tmpfs", "-o", "size=512m,mode=0700,nosuid,nodev,noexec", "tmpfs", "/srv/lab/run/t"],
            mounts.DescribeTmpfs("/run/t", 512));
        Assert.Throws<ArgumentException>(() => mounts.DescribeOverlay(new OverlayLayers("/run/b,upperdir=/etc", "/run/u", "/run/w"), "/mnt/x"));
    }

    /// <summary>A snapshot of the shared dataset, cloned read-only and mounted at <paramref name="at"/> (a host path): the base.</summary>
    private static async Task<string> CloneSharedAsync(ZfsFuseLab lab, string at)
    {
        var runner = ZfsFuseLab.Runner;
        (await runner.RunAsync(["zfs", "snapshot", $"{lab.Pool}/VARSHARED@upgrade-be2"], ct: Ct)).EnsureSuccess();
        (await runner.RunAsync(["zfs", "clone", "-o", "readonly=on", "-o", $"mountpoint={at}",
            $"{lab.Pool}/VARSHARED@upgrade-be2", $"{lab.Pool}/upgrade-base-be2"], ct: Ct)).EnsureSuccess();
        Assert.True(File.Exists(lab.HostRoot + at + "/log/dpkg.log"), "the base clone is mounted");
        return at;
    }

    /// <summary>Field 6 of the mountinfo line mounted at <paramref name="mountPoint"/>, or null.</summary>
    private static string? PerMountOptions(string mountPoint) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(line => line.Split(' '))
            .LastOrDefault(f => f[4] == mountPoint)?[5];
}
