using SnapUpgrade.Core.Staging;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// The kernel's own overlayfs on this machine: a package's kind of writes made through a merged
/// view (append, new file, delete, mkdir, rm -rf, a directory removed and made again, a rewrite),
/// then the upper tree it left read by <see cref="StagedChanges"/> and applied to live shared data.
/// Also what the kernel accepts as layers here (ADR 0025): a zfs-fuse lower, but not a zfs-fuse upper;
/// in the OpenZFS guest (2.3 on Linux 6.1) an OpenZFS upper is accepted (ADR 0026 keeps the upper on tmpfs on both).
/// </summary>
public sealed class RealOverlayTests
{
    private static readonly IProcessRunner Runner = new ProcessRunner(TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Overlay_PackageWritesThroughTheMergedView_UpperTreeClassifiedAndApplied()
    {
        await using var host = await TmpfsHost.CreateAsync();
        var root = host.LocalRoot!;
        var p = host.Process;
        foreach (var r in new[] { "/snap", "/var/shared" })
        {
            p.CreateDirectory($"{r}/log/apt");
            p.CreateDirectory($"{r}/log/gone");
            p.WriteAllBytes($"{r}/log/dpkg.log", Bytes("base\n"));
            p.WriteAllBytes($"{r}/log/x", Bytes("keep"));
            p.WriteAllBytes($"{r}/log/conf", Bytes("v1"));
            p.WriteAllBytes($"{r}/log/apt/history.log", Bytes("h"));
            p.WriteAllBytes($"{r}/log/gone/f", Bytes("g"));
        }
        p.CreateDirectory("/var/.snapupgrade/staged/log");
        p.CreateDirectory("/var/.snapupgrade/work/log");
        p.CreateDirectory("/mnt/log");
        var merged = root + "/mnt/log";
        await RunAsync("mount", "--bind", root + "/snap", root + "/snap");
        await RunAsync("mount", "-o", "remount,bind,ro", root + "/snap");
        try
        {
            await RunAsync("mount", "-t", "overlay", "overlay", "-o",
                $"lowerdir={root}/snap/log,upperdir={root}/var/.snapupgrade/staged/log,workdir={root}/var/.snapupgrade/work/log", merged);
            try
            {
                await File.AppendAllTextAsync(merged + "/dpkg.log", "more\n", Ct);
                await File.WriteAllTextAsync(merged + "/new", "new", Ct);
                File.Delete(merged + "/x");
                Directory.CreateDirectory(merged + "/d");
                await File.WriteAllTextAsync(merged + "/d/e", "e", Ct);
                Directory.Delete(merged + "/apt", recursive: true);
                Directory.Delete(merged + "/gone", recursive: true);
                Directory.CreateDirectory(merged + "/gone");
                await File.WriteAllTextAsync(merged + "/gone/g2", "g2", Ct);
                await File.WriteAllTextAsync(merged + "/conf", "v2", Ct);
            }
            finally
            {
                await RunAsync("umount", merged);
            }
        }
        finally
        {
            await RunAsync("umount", root + "/snap");
        }
        // What the kernel left: whiteouts as character devices 0/0, the remade directory opaque.
        Assert.True(host.Files.Stat("/var/.snapupgrade/staged/log/x")!.Special!.IsWhiteout);
        Assert.True(host.Files.Stat("/var/.snapupgrade/staged/log/apt")!.Special!.IsWhiteout);
        Assert.Equal("y"u8.ToArray(), host.Files.GetXattr("/var/.snapupgrade/staged/log/gone", "trusted.overlay.opaque"));
        Assert.NotNull(host.Files.GetXattr("/var/.snapupgrade/staged/log/conf", "trusted.overlay.origin"));
        p.AppendAllBytes("/var/shared/log/dpkg.log", Bytes("live\n")); // the running system logs meanwhile

        var changes = StagedChanges.Read(host.Files, "/var/.snapupgrade/staged", "/snap");
        var report = await new StagedApply(host.Files, changes, "/var/shared", "be2").RunAsync(Ct);

        Assert.Equal(
        [
            "log/apt/history.log Deleted File",
            "log/apt Deleted Directory",
            "log/conf Changed File",
            "log/d Added Directory",
            "log/d/e Added File",
            "log/dpkg.log Appended File",
            "log/gone/g2 Added File",
            "log/gone/f Deleted File",
            "log/new Added File",
            "log/x Deleted File",
        ], changes.Changes.Select(c => $"{c.Path} {c.Kind} {c.Type}"));
        Assert.Equal(["conf", "d", "dpkg.log", "gone", "new"], host.Files.List("/var/shared/log"));
        Assert.Equal(Bytes("base\nlive\nmore\n"), host.Files.ReadAllBytes("/var/shared/log/dpkg.log"));
        Assert.Equal(Bytes("v2"), host.Files.ReadAllBytes("/var/shared/log/conf"));
        Assert.Equal(["g2"], host.Files.List("/var/shared/log/gone"));
        Assert.Equal(Bytes("e"), host.Files.ReadAllBytes("/var/shared/log/d/e"));
        Assert.Null(host.Files.GetXattr("/var/shared/log/conf", "trusted.overlay.origin"));
        Assert.Null(host.Files.GetXattr("/var/shared/log/gone", "trusted.overlay.opaque"));
        Assert.DoesNotContain(report.Changes, c => c.Outcome is AppliedOutcome.Refused or AppliedOutcome.DeletionRecorded or AppliedOutcome.SideBySide);
    }

    [Fact]
    public async Task Overlay_ZfsLayers_LowerAccepted_UpperAcceptedOnOpenZfs()
    {
        Lane.Require(ZfsFuseLab.IsInstalled, "zfs-fuse");
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/var/shared/log");
        lab.Files.WriteAllBytes("/var/shared/log/a", Bytes("base\n"));
        lab.Files.CreateDirectory("/var/.snapupgrade/staged/log");
        lab.Files.CreateDirectory("/var/.snapupgrade/work/log");
        lab.Files.CreateDirectory("/mnt/log");
        var root = lab.HostRoot;
        var merged = root + "/mnt/log";

        // Upper on a dataset of the BE: OpenZFS takes it. On zfs-fuse the kernel answered "upper fs missing required
        // features" when measured (ADR 0025), but the attempt is no longer made there: in session 14's CI it left the
        // shared zfs-fuse daemon stalled for about a minute (the next overlay mount over it hung 60 s, and a parallel
        // test's pool stayed busy 16 s after its unmounts). The staging never puts an upper on zfs-fuse.
        ProcessResult? onZfs = null;
        if (Lane.IsOpenZfs)
        {
            onZfs = await Runner.RunAsync(["mount", "-t", "overlay", "overlay", "-o",
                $"lowerdir={root}/var/shared/log,upperdir={root}/var/.snapupgrade/staged/log,workdir={root}/var/.snapupgrade/work/log", merged], ct: Ct);
            if (onZfs.Succeeded) await Runner.RunAsync(["umount", merged], ct: Ct);
        }

        // The same zfs-fuse lower with an upper on tmpfs: accepted, and writes land in the upper only.
        var scratch = root + "/mnt/scratch";
        Directory.CreateDirectory(scratch);
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=64m", "snapupgrade-test", scratch);
        try
        {
            Directory.CreateDirectory(scratch + "/upper");
            Directory.CreateDirectory(scratch + "/work");
            await RunAsync("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={root}/var/shared/log,upperdir={scratch}/upper,workdir={scratch}/work", merged);
            await File.AppendAllTextAsync(merged + "/a", "more\n", Ct);
            await RunAsync("umount", merged);
            Assert.Equal("base\nmore\n", await File.ReadAllTextAsync(scratch + "/upper/a", Ct));
        }
        finally
        {
            await RunAsync("umount", scratch);
        }

        if (onZfs is not null)
            Assert.True(onZfs.Succeeded, $"overlayfs refused an OpenZFS upper layer, which OpenZFS 2.3 in the guest took before: {onZfs.StandardError}");
        Assert.Equal(Bytes("base\n"), lab.Files.ReadAllBytes("/var/shared/log/a"));
    }

    private static async Task RunAsync(params string[] argv) => (await Runner.RunAsync(argv, ct: Ct)).EnsureSuccess();
}
