using SnapUpgrade.Core.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// What every <see cref="IStagingMounts"/> must do (ADR 0026), seen through the host's files: what a
/// package tool does through the overlay (append, write, delete, rm -rf then mkdir) shows merged, lands
/// in the upper tree as overlayfs writes it (whole files, whiteouts, an opaque directory) and leaves the
/// lower layer as it was. The simulator passes the same tests as the kernel on zfs-fuse.
/// </summary>
public abstract class StagingMountsContract
{
    protected abstract Task<ITestHost> CreateHostAsync();

    private const string Merged = "/mnt/be2/var/shared/log", Upper = "/run/stage/log/upper";

    [Fact]
    public async Task Overlay_PackageToolWrites_ShowMerged_LandInTheUpperAsOverlayfsWritesThem_LowerUntouched()
    {
        await using var host = await CreateHostAsync();
        var staging = await StageAsync(host);
        var files = host.Files;

        files.AppendAllBytes($"{Merged}/dpkg.log", Bytes("status installed hello\n"));
        files.WriteAllBytes($"{Merged}/hello.log", Bytes("hello's own log\n"));
        files.Delete($"{Merged}/old.log");
        files.Delete($"{Merged}/apt/history.log");
        files.Delete($"{Merged}/apt");
        files.CreateDirectory($"{Merged}/apt");
        files.WriteAllBytes($"{Merged}/apt/term.log", Bytes("new term log\n"));
        files.CreateDirectory($"{Merged}/hello");

        Assert.Equal(["apt", "dpkg.log", "hello", "hello.log", "kept.log"], files.List(Merged));
        Assert.Equal(["term.log"], files.List($"{Merged}/apt"));
        Assert.Equal(Bytes("before\nstatus installed hello\n"), files.ReadAllBytes($"{Merged}/dpkg.log"));
        Assert.Equal(Bytes("kept\n"), files.ReadAllBytes($"{Merged}/kept.log"));

        Assert.Equal(["apt", "dpkg.log", "hello", "hello.log", "old.log"], files.List(Upper));
        Assert.Equal(Bytes("before\nstatus installed hello\n"), files.ReadAllBytes($"{Upper}/dpkg.log")); // copied up whole
        Assert.True(files.Stat($"{Upper}/old.log")?.Special?.IsWhiteout, "a deletion is a whiteout");
        Assert.Equal(Bytes("y"), files.GetXattr($"{Upper}/apt", "trusted.overlay.opaque"));
        Assert.Equal(["term.log"], files.List($"{Upper}/apt"));
        Assert.Null(files.GetXattr($"{Upper}/hello", "trusted.overlay.opaque"));

        Assert.Equal(["apt", "dpkg.log", "kept.log", "old.log"], files.List("/var/shared/log"));
        Assert.Equal(Bytes("before\n"), files.ReadAllBytes("/var/shared/log/dpkg.log"));
        Assert.Equal(["history.log"], files.List("/var/shared/log/apt"));

        Assert.Equal(["/mnt/be2/var/shared/log", "/run/stage"], (await staging.ListStagingAsync(Ct)).Order(StringComparer.Ordinal));
        Assert.Empty(await host.Mounts.ListAsync(Ct));
        // The tmpfs may go first: the overlay keeps its upper (the kernel's overlay holds a clone of that mount).
        await host.Mounts.UnmountAsync("/run/stage", Ct);
        files.WriteAllBytes($"{Merged}/late.log", Bytes("late\n"));
        Assert.Equal(Bytes("late\n"), files.ReadAllBytes($"{Merged}/late.log"));
        Assert.Equal(["/mnt/be2/var/shared/log"], await staging.ListStagingAsync(Ct));
        await host.Mounts.UnmountAsync(Merged, Ct);
        Assert.Empty(await staging.ListStagingAsync(Ct));
        Assert.Empty(files.List(Merged));
        Assert.Empty(files.List("/run/stage"));
    }

    [Fact]
    public async Task Overlay_RenameOfADirectoryTheLowerShows_IsRefusedCrossDevice_ARenameOfAFileIsACopyUp()
    {
        await using var host = await CreateHostAsync();
        await StageAsync(host);

        var refused = Assert.ThrowsAny<IOException>(() => host.Files.Rename($"{Merged}/apt", $"{Merged}/apt.old"));
        host.Files.Rename($"{Merged}/kept.log", $"{Merged}/kept.log.1");

        Assert.Equal(18, refused.HResult & 0xFFFF);
        Assert.Equal(["apt", "dpkg.log", "kept.log.1", "old.log"], host.Files.List(Merged));
        Assert.True(host.Files.Stat($"{Upper}/kept.log")?.Special?.IsWhiteout);
        Assert.Equal(Bytes("kept\n"), host.Files.ReadAllBytes($"{Upper}/kept.log.1"));
        Assert.Equal(Bytes("kept\n"), host.Files.ReadAllBytes("/var/shared/log/kept.log"));
        await host.Mounts.UnmountAsync(Merged, Ct);
        await host.Mounts.UnmountAsync("/run/stage", Ct);
    }

    [Fact]
    public async Task Staging_ALayerOrTheTargetThroughALink_ThrowsUnsafePathAndMountsNothing()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var staging = (IStagingMounts)host.Mounts;
        foreach (var dir in new[] { "/run/stage/lower", "/run/stage/upper", "/run/stage/work", "/mnt/be2/var/shared/log" })
            host.Files.CreateDirectory(dir);
        host.Files.CreateSymlink("/run/stage/hop", "/var/shared");
        var good = new OverlayLayers("/run/stage/lower", "/run/stage/upper", "/run/stage/work");

        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountOverlayAsync(good with { Upper = "/run/stage/hop" }, Merged, Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountOverlayAsync(good with { Lower = "/run/stage/hop" }, Merged, Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountOverlayAsync(good, "/run/stage/hop", Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountTmpfsAsync("/run/stage/hop", 16, Ct));

        Assert.Empty(await staging.ListStagingAsync(Ct));
    }

    [Fact]
    public async Task ChrootMounts_ProcReadOnlySysADevWithOnlyTheHarmlessNodesAndPts_ListedAndTakenOffInOrder_NeverThroughALink()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var staging = (IStagingMounts)host.Mounts;
        var files = host.Files;
        files.CreateDirectory("/mnt/be2/proc");
        files.CreateDirectory("/mnt/be2/dev");
        files.CreateDirectory("/mnt/be2/sys");
        files.CreateSymlink("/mnt/be2/hop", "/dev");

        await staging.MountProcAsync("/mnt/be2/proc", Ct);
        await staging.MountSysAsync("/mnt/be2/sys", Ct);
        await staging.MountDevAsync("/mnt/be2/dev", Ct);
        await staging.MountPtsAsync("/mnt/be2/dev/pts", Ct);

        Assert.Equal(["fd", "full", "null", "ptmx", "pts", "random", "stderr", "stdin", "stdout", "tty", "urandom", "zero"],
            files.List("/mnt/be2/dev").Order(StringComparer.Ordinal));
        var nul = files.Stat("/mnt/be2/dev/null")!;
        Assert.Equal((SpecialKind.CharacterDevice, 1, 3, 0x1B6), (nul.Special!.Kind, nul.Special.Major, nul.Special.Minor, nul.Mode & 0xFFF));
        Assert.Equal((SpecialKind.CharacterDevice, 5, 0), (files.Stat("/mnt/be2/dev/tty")!.Special!.Kind, files.Stat("/mnt/be2/dev/tty")!.Special!.Major, files.Stat("/mnt/be2/dev/tty")!.Special!.Minor));
        Assert.Equal("/proc/self/fd", files.ReadLink("/mnt/be2/dev/fd"));
        Assert.Equal("pts/ptmx", files.ReadLink("/mnt/be2/dev/ptmx"));
        Assert.Equal(["/mnt/be2/dev", "/mnt/be2/dev/pts", "/mnt/be2/proc", "/mnt/be2/sys"],
            (await staging.ListStagingAsync(Ct)).Order(StringComparer.Ordinal));
        Assert.ThrowsAny<IOException>(() => files.WriteAllBytes("/mnt/be2/sys/written", Bytes("no"))); // read-only
        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountProcAsync("/mnt/be2/hop", Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountSysAsync("/mnt/be2/hop", Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => staging.MountDevAsync("/mnt/be2/hop", Ct));

        foreach (var target in new[] { "/mnt/be2/dev/pts", "/mnt/be2/dev", "/mnt/be2/sys", "/mnt/be2/proc" })
            await host.Mounts.UnmountAsync(target, Ct);
        Assert.Empty(await staging.ListStagingAsync(Ct));
        Assert.Empty(files.List("/mnt/be2/dev"));
        Assert.Empty(files.List("/mnt/be2/proc"));
        Assert.Empty(files.List("/mnt/be2/sys"));
        Assert.Empty(await host.Mounts.ListAsync(Ct));
    }

    /// <summary>Live shared data in /var/shared/log, a tmpfs at /run/stage, and an overlay of the log directory at the BE's alternate root.</summary>
    private static async Task<IStagingMounts> StageAsync(ITestHost host)
    {
        await host.BootAsync();
        var files = host.Files;
        files.CreateDirectory("/var/shared/log/apt");
        files.WriteAllBytes("/var/shared/log/dpkg.log", Bytes("before\n"));
        files.WriteAllBytes("/var/shared/log/old.log", Bytes("rotated away\n"));
        files.WriteAllBytes("/var/shared/log/kept.log", Bytes("kept\n"));
        files.WriteAllBytes("/var/shared/log/apt/history.log", Bytes("old history\n"));
        files.CreateDirectory("/run/stage");
        files.CreateDirectory(Merged);
        var staging = (IStagingMounts)host.Mounts;
        await staging.MountTmpfsAsync("/run/stage", 16, Ct);
        files.CreateDirectory(Upper);
        files.CreateDirectory("/run/stage/log/work");
        await staging.MountOverlayAsync(new OverlayLayers("/var/shared/log", Upper, "/run/stage/log/work"), Merged, Ct);
        return staging;
    }
}
