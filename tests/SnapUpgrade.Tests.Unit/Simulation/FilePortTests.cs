using System.Text.Json.Nodes;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>
/// The simulator's side of the no-follow file port that the contract suite cannot see or reach
/// on both backends: inode and device rules, binds, mounts inside copied trees, the state file.
/// </summary>
public sealed class FilePortTests
{
    private const UnixFileMode Mode0640 = (UnixFileMode)0x1A0;
    private const UnixFileMode Mode4755 = (UnixFileMode)0x9ED;

    [Fact]
    public async Task Stat_FileRewritten_KeepsItsIdentityOwnerAndMode()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/kept", Bytes("v1"));
        host.AsProcess().SetOwner("/var/kept", 7, 8);
        host.AsProcess().SetMode("/var/kept", Mode0640);
        var before = host.Stat("/var/kept")!;

        host.WriteAllBytes("/var/kept", Bytes("version 2"));
        host.AppendAllBytes("/var/kept", Bytes("!"));

        var after = host.Stat("/var/kept")!;
        Assert.Equal((before.Identity, 7, 8, 0x1A0, 10L), (after.Identity, after.Uid, after.Gid, after.Mode, after.Size));
    }

    [Fact]
    public async Task Stat_FileInAClone_SameInodeAsTheOriginOnAnotherDevice()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var be2 = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");
        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(be2));

        var live = host.Stat("/etc/release")!;
        var clone = host.Stat("/a/etc/release")!;

        Assert.Equal(live.Inode, clone.Inode);
        Assert.NotEqual(live.Device, clone.Device);
    }

    [Fact]
    public async Task Stat_Directory_ZfsSizeAndLinkCount()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/d/one");
        host.CreateDirectory("/d/two");
        host.WriteAllBytes("/d/file", []);

        var stat = host.Stat("/d")!;

        // Measured on zfs-fuse: size is entries + 2, links are 2 + subdirectories.
        Assert.Equal((5L, 4), (stat.Size, stat.Links));
    }

    [Fact]
    public async Task Rename_BetweenTwoBindsOfOneDataset_IsCrossDeviceAsOnLinux()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/f", Bytes("f"));
        host.CreateDirectory("/mnt/b");
        await host.BindAsync("/var/shared", "/mnt/b", readOnly: false, Ct);

        var error = Assert.ThrowsAny<IOException>(() => host.Rename("/mnt/b/f", "/var/shared/g"));

        Assert.Equal(18, error.HResult);
        host.Rename("/mnt/b/f", "/mnt/b/g");
        Assert.Equal("f", Text(host.ReadAllBytes("/var/shared/g")));
    }

    [Fact]
    public async Task Rename_OnReadOnlyBind_ThrowsReadOnlyAndKeepsTheName()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/f", Bytes("f"));
        host.CreateDirectory("/mnt/ro");
        await host.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        Assert.Throws<ReadOnlyFileSystemException>(() => host.Rename("/mnt/ro/f", "/mnt/ro/g"));

        Assert.Equal(FileKind.File, host.GetKind("/var/shared/f"));
    }

    [Fact]
    public async Task Rename_MountPoint_IsBusy()
    {
        var host = await BootedAsync();

        var error = Assert.ThrowsAny<IOException>(() => host.Rename("/var/shared", "/var/shared.old"));

        Assert.Equal(16, error.HResult);
        Assert.Equal(FileKind.Missing, host.GetKind("/var/shared.old"));
    }

    [Fact]
    public async Task CopyTree_SourceHoldingAMount_CopiesTheMountedFilesAsRsyncWithoutXDoes()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/seen", Bytes("through the bind"));
        host.CreateDirectory("/var/src/bound");
        await host.BindAsync("/var/shared", "/var/src/bound", readOnly: true, Ct);

        await host.CopyTreeAsync(new TreeCopy("/var/src", "/var/shared/copy"), Ct);

        Assert.Equal("through the bind", Text(host.ReadAllBytes("/var/shared/copy/bound/seen")));
    }

    [Fact]
    public async Task CopyTree_IntoReadOnlyBind_ThrowsReadOnlyAndMakesNothing()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/src");
        host.WriteAllBytes("/var/src/f", Bytes("f"));
        host.CreateDirectory("/mnt/ro");
        await host.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        await Assert.ThrowsAsync<ReadOnlyFileSystemException>(() => host.CopyTreeAsync(new TreeCopy("/var/src", "/mnt/ro/copy"), Ct));

        Assert.Equal(FileKind.Missing, host.GetKind("/var/shared/copy"));
    }

    [Fact]
    public async Task CopyTree_CompareWithSameBytesOtherOwner_CopiesTheFileAsRsyncDoes()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/src");
        host.WriteAllBytes("/var/src/f", Bytes("same"));
        await host.CopyTreeAsync(new TreeCopy("/var/src", "/var/shared/base"), Ct);
        host.AsProcess().SetOwner("/var/src/f", 9, 9);

        await host.CopyTreeAsync(new TreeCopy("/var/src", "/var/shared/delta", "/var/shared/base"), Ct);

        // Measured with rsync --compare-dest: same bytes but another owner, mode or mtime is copied.
        Assert.Equal(["f"], host.List("/var/shared/delta"));
    }

    [Fact]
    public async Task VerifyCopy_SetuidFileMadeRoots_ReportsIt()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/src");
        host.WriteAllBytes("/var/src/tool", Bytes("#!"));
        host.AsProcess().SetOwner("/var/src/tool", 1001, 1001);
        host.AsProcess().SetMode("/var/src/tool", Mode4755);
        var copy = new TreeCopy("/var/src", "/var/shared/copy");
        await host.CopyTreeAsync(copy, Ct);

        host.AsProcess().SetOwner("/var/shared/copy/tool", 0, 0);

        Assert.Contains(await host.VerifyCopyAsync(copy, Ct), d => d.StartsWith("tool: setuid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyCopy_ExtraFileInTheCopy_ReportsIt()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/src");
        var copy = new TreeCopy("/var/src", "/var/shared/copy");
        await host.CopyTreeAsync(copy, Ct);

        host.WriteAllBytes("/var/shared/copy/extra", []);

        Assert.Equal(["extra: only in the copy"], await host.VerifyCopyAsync(copy, Ct));
    }

    [Fact]
    public void DescribeCopy_Always_IsTheRealAdaptersRsyncArgv()
    {
        var host = NewHost();
        var copy = new TreeCopy("/var/adm", "/var/shared/adm", "/var/shared/.base");

        Assert.Equal(RsyncCommand.Copy("/var/adm", "/var/shared/adm", "/var/shared/.base", acls: false, xattrs: false), host.DescribeCopy(copy));
    }

    [Fact]
    public async Task Restart_OwnersModesInodesAndFifos_Survive()
    {
        using var state = new TempStateFile();
        var first = await BootedAsync(state.Path);
        first.WriteAllBytes("/var/owned", Bytes("o"));
        first.AsProcess().SetOwner("/var/owned", 1001, 1002);
        first.AsProcess().SetMode("/var/owned", Mode4755);
        first.AsProcess().CreateFifo("/var/pipe");
        first.CreateDirectory("/var/private", (UnixFileMode)0x1C0);
        var before = new[] { "/var/owned", "/var/pipe", "/var/private" }.Select(first.Stat).ToList();

        var second = new SimulatedZfs(state.Path);
        second.WriteAllBytes("/var/after-restart", []);

        Assert.Equal(before, new[] { "/var/owned", "/var/pipe", "/var/private" }.Select(second.Stat));
        Assert.DoesNotContain(before, s => s!.Inode == second.Stat("/var/after-restart")!.Inode);
    }

    [Fact]
    public async Task Load_StateFileFromBeforeOwners_LoadsAsRootsWithDistinctInodes()
    {
        using var state = new TempStateFile();
        var first = await BootedAsync(state.Path);
        first.WriteAllBytes("/var/a", Bytes("a"));
        first.WriteAllBytes("/var/b", Bytes("b"));
        var json = JsonNode.Parse(File.ReadAllText(state.Path))!.AsObject();
        json.Remove("nextInode");
        foreach (var node in json["nodes"]!.AsArray()) node!.AsObject().Remove("ino");
        File.WriteAllText(state.Path, json.ToJsonString());

        var old = new SimulatedZfs(state.Path);
        old.WriteAllBytes("/var/c", Bytes("c"));

        var inodes = new[] { "/var/a", "/var/b", "/var/c", "/var/log" }.Select(p => old.Stat(p)!.Inode).ToList();
        Assert.Equal(4, inodes.Distinct().Count());
        Assert.Equal((0, 0), (old.Stat("/var/a")!.Uid, old.Stat("/var/a")!.Gid));
        Assert.Equal("a", Text(old.ReadAllBytes("/var/a")));
    }
}
