using SnapUpgrade.Core.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>What every <see cref="IMounts"/> must do, with the host's files seen through the mounts.</summary>
public abstract class MountsContract
{
    protected abstract Task<ITestHost> CreateHostAsync();

    [Fact]
    public async Task ListAsync_OnlyZfsMounts_ReportsNoBinds()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        Assert.Empty(await host.Mounts.ListAsync(Ct));
    }

    [Fact]
    public async Task BindReadOnly_Shared_WriteRefusedWhileSourceStillTakesWrites()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/mnt/ro");

        await host.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        Assert.Equal([new BindMount("/var/shared", "/mnt/ro", true)], await host.Mounts.ListAsync(Ct));
        var refused = Assert.Throws<ReadOnlyFileSystemException>(() => host.Files.WriteAllBytes("/mnt/ro/x", Bytes("no")));
        Assert.Equal("/mnt/ro/x", refused.Path);
        Assert.Throws<ReadOnlyFileSystemException>(() => host.Files.CreateDirectory("/mnt/ro/dir"));
        Assert.Throws<ReadOnlyFileSystemException>(() => host.Files.CreateSymlink("/mnt/ro/link", "x"));
        host.Files.WriteAllBytes("/var/shared/y", Bytes("yes"));
        Assert.Equal(Bytes("yes"), host.Files.ReadAllBytes("/mnt/ro/y"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/mnt/ro/x"));
        await host.Mounts.UnmountAsync("/mnt/ro", Ct);
    }

    [Fact]
    public async Task BindReadWrite_Shared_WritesReachTheSource()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/mnt/rw");

        await host.Mounts.BindAsync("/var/shared", "/mnt/rw", readOnly: false, Ct);
        host.Files.WriteAllBytes("/mnt/rw/z", Bytes("through the bind"));

        Assert.Equal([new BindMount("/var/shared", "/mnt/rw", false)], await host.Mounts.ListAsync(Ct));
        Assert.Equal(Bytes("through the bind"), host.Files.ReadAllBytes("/var/shared/z"));
        await host.Mounts.UnmountAsync("/mnt/rw", Ct);
    }

    [Fact]
    public async Task BindReadOnly_Subdirectory_ListsItsHostPathAsSource()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/shared/adm");
        host.Files.CreateDirectory("/mnt/adm");

        await host.Mounts.BindAsync("/var/shared/adm", "/mnt/adm", readOnly: true, Ct);

        Assert.Equal([new BindMount("/var/shared/adm", "/mnt/adm", true)], await host.Mounts.ListAsync(Ct));
        await host.Mounts.UnmountAsync("/mnt/adm", Ct);
    }

    [Fact]
    public async Task Unmount_Bind_RemovesItAndUncoversTheTarget()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/mnt/ro");
        host.Files.WriteAllBytes("/var/shared/seen", Bytes("1"));
        await host.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);
        Assert.Equal(FileKind.File, host.Files.GetKind("/mnt/ro/seen"));

        await host.Mounts.UnmountAsync("/mnt/ro", Ct);

        Assert.Empty(await host.Mounts.ListAsync(Ct));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/mnt/ro/seen"));
        host.Files.WriteAllBytes("/mnt/ro/writable-again", Bytes("2"));
    }

    [Fact]
    public async Task Unmount_NothingMounted_ThrowsIOException()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/mnt/empty");

        await Assert.ThrowsAnyAsync<IOException>(() => host.Mounts.UnmountAsync("/mnt/empty", Ct));
    }

    [Fact]
    public async Task DescribeBind_EitherWay_IsBindThenNosuidNodevRemountOfTheTargetReadOnlyOnRequest()
    {
        await using var host = await CreateHostAsync();

        var steps = host.Mounts.DescribeBind("/var/shared", "/a/var/shared", readOnly: true);
        var readWrite = host.Mounts.DescribeBind("/var/shared", "/a/var/shared", readOnly: false);
        var unmount = host.Mounts.DescribeUnmount("/a/var/shared");

        // The real adapter writes host paths under its host root (what the mount table shows).
        Assert.Equal(2, steps.Count);
        Assert.Equal(["mount", "--no-canonicalize", "--bind"], steps[0].Take(3));
        Assert.Equal(5, steps[0].Count);
        Assert.EndsWith("/var/shared", steps[0][3]);
        Assert.EndsWith("/a/var/shared", steps[0][4]);
        var target = steps[0][4];
        Assert.Equal(["mount", "--no-canonicalize", "-o", "remount,bind,ro,nosuid,nodev", target], steps[1]);
        Assert.Equal<IReadOnlyList<string>>(
            [steps[0], ["mount", "--no-canonicalize", "-o", "remount,bind,nosuid,nodev", target]], readWrite);
        Assert.Equal(["umount", "--no-canonicalize", target], unmount);
    }
}
