using System.Runtime.Versioning;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>What only the real adapters can show: local paths, modes, the mount table, the real ZFS itself.</summary>
[SupportedOSPlatform("linux")] // zfs-fuse and the mount table are Linux things
public sealed class ZfsFuseOnlyTests
{
    [Fact]
    public async Task DetectAsync_RealZfs_NamesTheBackendTheLabStarted()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);

        if (Lane.IsOpenZfs)
        {
            Assert.StartsWith("OpenZFS 2.", lab.Zfs.Capabilities.Name, StringComparison.Ordinal);
            Assert.Equal((true, false, true, false), (lab.Zfs.Capabilities.MultiSnapshot, lab.Zfs.Capabilities.RenameRemountsClones,
                lab.Zfs.Capabilities.EventStream, lab.Zfs.Capabilities.ReleasesAfterUnmount));
        }
        else
        {
            Assert.Equal(new ZfsCapabilities("zfs-fuse", MultiSnapshot: false, ReleasesAfterUnmount: true), lab.Zfs.Capabilities);
        }
    }

    [Fact]
    public async Task ListAsync_UnderAltroot_ReportsHostPathsWhileMountedUnderTheAltroot()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();

        var listing = await lab.ListAsync();

        Assert.Equal(lab.HostRoot, listing.Pool.Altroot);
        Assert.Equal("/var/shared", listing.Find(lab.Layout().SharedDataset)!.MountPoint);
        var table = MountInfoParser.Parse(await File.ReadAllTextAsync("/proc/self/mountinfo", Ct));
        Assert.Contains(table, m => m.MountPoint == lab.HostRoot && m.Source == lab.Layout().Be("be1"));
        Assert.Contains(table, m => m.MountPoint == lab.HostRoot + "/var/shared" && m.FsType == MountType(lab.Zfs.Capabilities));
    }

    [Fact]
    public async Task CopyTree_AcrossDatasets_KeepsModesAndModificationTimes()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        var file = lab.HostRoot + "/var/spool/job";
        File.WriteAllText(file, "print me");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        var stamp = new DateTime(2020, 2, 29, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, stamp);
        File.SetUnixFileMode(lab.HostRoot + "/var/spool", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await lab.Files.CopyTreeAsync(new TreeCopy("/var/spool", "/var/shared/spool"), Ct);

        var copied = lab.HostRoot + "/var/shared/spool/job";
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead, File.GetUnixFileMode(copied));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(copied));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(lab.HostRoot + "/var/shared/spool"));
    }

    [Fact]
    public async Task BindReadOnly_MountTable_ShowsReadOnlyBindOfTheSharedDataset()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/mnt/ro");
        await lab.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        var table = MountInfoParser.Parse(await File.ReadAllTextAsync("/proc/self/mountinfo", Ct));

        var bind = Assert.Single(table, m => m.MountPoint == lab.HostRoot + "/mnt/ro");
        Assert.Equal((lab.Layout().SharedDataset, "/", true), (bind.Source, bind.Root, bind.ReadOnly));
        // Left mounted on purpose: disposing the lab must take the bind down before the pool.
    }

    [Fact]
    public async Task WriteOnReadOnlyBind_Dotnet_RaisesIOExceptionWithErrno30()
    {
        // The measurement LocalFiles' EROFS mapping rests on: .NET gives a plain IOException whose
        // HResult is the raw errno, not UnauthorizedAccessException.
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/mnt/ro");
        await lab.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        var error = Assert.Throws<IOException>(() => File.WriteAllText(lab.HostRoot + "/mnt/ro/x", "no"));

        Assert.Equal(30, error.HResult);
        Assert.Contains("Read-only file system", error.Message);
    }

    [Fact]
    public async Task Dispose_LabWithBindStillMounted_LeavesNoPoolMountOrDirectory()
    {
        var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/mnt/ro");
        await lab.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        await lab.DisposeAsync();

        var table = await File.ReadAllTextAsync("/proc/self/mountinfo", Ct);
        Assert.DoesNotContain(lab.Directory, table);
        Assert.False(Directory.Exists(lab.Directory));
        await Assert.ThrowsAsync<ZfsCommandException>(() => lab.Zfs.ListAsync(lab.Pool, Ct));
    }

    [Fact]
    public async Task ExecuteAsync_TwoSnapshotsOfOneDataset_ThrowsWithTheBackendsExitCodeAndStderr()
    {
        // zfs-fuse takes one name per call: a second is a usage error (exit 2). OpenZFS takes several,
        // but not two of one dataset: an operation error (exit 1), and neither is taken.
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);

        var error = await Assert.ThrowsAsync<ZfsCommandException>(
            () => lab.Zfs.ExecuteAsync(new ZfsSnapshot([$"{lab.Pool}@a", $"{lab.Pool}@b"]), Ct));

        if (lab.Zfs.Capabilities.MultiSnapshot)
        {
            Assert.Equal(1, error.ExitCode);
            Assert.DoesNotContain((await lab.Zfs.ListAsync(lab.Pool, Ct)).Datasets, d => d.IsSnapshot);
        }
        else
        {
            Assert.Equal(2, error.ExitCode);
            Assert.Contains("too many arguments", error.StandardError);
        }
        Assert.NotEmpty(error.StandardError);
        Assert.Equal(FileKind.Missing, lab.Files.GetKind("/nothing"));
    }

    /// <summary>The file system type a mounted dataset shows in the mount table: zfs-fuse's is a FUSE one.</summary>
    private static string MountType(ZfsCapabilities capabilities) => capabilities.Name == "zfs-fuse" ? "fuse.zfs" : "zfs";
}
