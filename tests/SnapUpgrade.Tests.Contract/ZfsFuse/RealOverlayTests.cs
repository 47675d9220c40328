using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Core.Steps;
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
    private static readonly IProcessRunner Runner = ZfsFuseLab.Runner; // the lab's 3 minutes: zfs-fuse stalls now and then

    [Fact]
    public async Task Overlay_PackageWritesThroughTheMergedView_UpperTreeClassifiedAndApplied()
    {
        await using var host = await TmpfsHost.CreateAsync();
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
        await ThroughOverlayAsync(host, async merged =>
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
        });
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

    /// <summary>
    /// Issue 14 with the kernel's own marks: a directory removed and made again through the merged view is opaque in
    /// the upper; the finish's copy (rsync without overlayfs' xattrs, as into a zfs-fuse BE) loses the mark, and the
    /// record the finish writes beside it (<see cref="OpaqueRecord"/>) brings it back: the copy reads as the upper
    /// does, and its apply deletes the entries the directory hid where they are unchanged live.
    /// </summary>
    [Fact]
    public async Task Overlay_DirectoryRemadeThroughTheMergedView_CopiedWithoutMarks_RecordKeepsItsDeletions()
    {
        await using var host = await TmpfsHost.CreateAsync();
        var p = host.Process;
        foreach (var r in new[] { "/snap", "/var/shared" })
        {
            p.CreateDirectory($"{r}/log/q/sub");
            p.WriteAllBytes($"{r}/log/q/old1", Bytes("1"));
            p.WriteAllBytes($"{r}/log/q/old2", Bytes("2"));
            p.WriteAllBytes($"{r}/log/q/sub/deep", Bytes("d"));
            p.WriteAllBytes($"{r}/log/other", Bytes("o"));
        }
        await ThroughOverlayAsync(host, async merged =>
        {
            Directory.Delete(merged + "/q", recursive: true);
            Directory.CreateDirectory(merged + "/q");
            await File.WriteAllTextAsync(merged + "/q/fresh", "f", Ct);
        });
        Assert.Equal("y"u8.ToArray(), host.Files.GetXattr("/var/.snapupgrade/staged/log/q", "trusted.overlay.opaque"));
        var marked = StagedChanges.Read(host.Files, "/var/.snapupgrade/staged/log", "/snap/log");
        var record = new OpaqueRecord(new Dictionary<string, IReadOnlyList<string>> { ["log"] = OpaqueRecord.Find(host.Files, "/var/.snapupgrade/staged/log") });

        host.Files.CreateDirectory("/var/.snapupgrade/kept");
        FileSteps.WriteWhole(host.Files, $"/var/.snapupgrade/kept/{OpaqueRecord.FileName}", record.ToJson());
        await host.Files.CopyTreeAsync(new TreeCopy("/var/.snapupgrade/staged/log", "/var/.snapupgrade/kept/log", WithoutOverlayMarks: true), Ct);
        Assert.Null(host.Files.GetXattr("/var/.snapupgrade/kept/log/q", "trusted.overlay.opaque"));
        var kept = StagedChanges.Read(host.Files, "/var/.snapupgrade/kept/log", "/snap/log",
            OpaqueRecord.Read(host.Files, $"/var/.snapupgrade/kept/{OpaqueRecord.FileName}")!.For("log"));
        p.AppendAllBytes("/var/shared/log/q/old2", Bytes(" changed live"));
        var report = await new StagedApply(host.Files, kept, "/var/shared/log", "be2").RunAsync(Ct);

        Assert.Equal(["q/fresh Added", "q/old1 Deleted", "q/old2 Deleted", "q/sub/deep Deleted", "q/sub Deleted"],
            marked.Changes.Select(c => $"{c.Path} {c.Kind}"));
        Assert.Equal(marked.Changes, kept.Changes);
        Assert.Equal(["fresh", "old2"], host.Files.List("/var/shared/log/q"));
        Assert.Equal(Bytes("2 changed live"), host.Files.ReadAllBytes("/var/shared/log/q/old2"));
        Assert.Equal(Bytes("o"), host.Files.ReadAllBytes("/var/shared/log/other"));
        Assert.Contains("q/old2: deletion recorded, not performed (changed live since the base)", report.Lines);
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

    /// <summary>
    /// Mounts the kernel's overlay of <c>/snap/log</c> (bound read-only) and the upper
    /// <c>/var/.snapupgrade/staged/log</c> at <c>/mnt/log</c>, runs <paramref name="write"/> on the merged
    /// view's local path, and takes both mounts off again.
    /// </summary>
    private static async Task ThroughOverlayAsync(StagingHost host, Func<string, Task> write)
    {
        var root = host.LocalRoot!;
        host.Process.CreateDirectory("/var/.snapupgrade/staged/log");
        host.Process.CreateDirectory("/var/.snapupgrade/work/log");
        host.Process.CreateDirectory("/mnt/log");
        var merged = root + "/mnt/log";
        await RunAsync("mount", "--bind", root + "/snap", root + "/snap");
        await RunAsync("mount", "-o", "remount,bind,ro", root + "/snap");
        try
        {
            await RunAsync("mount", "-t", "overlay", "overlay", "-o",
                $"lowerdir={root}/snap/log,upperdir={root}/var/.snapupgrade/staged/log,workdir={root}/var/.snapupgrade/work/log", merged);
            try
            {
                await write(merged);
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
    }

    private static async Task RunAsync(params string[] argv) => (await Runner.RunAsync(argv, ct: Ct)).EnsureSuccess();
}
