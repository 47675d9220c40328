using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class PathResolutionTests
{
    [Fact]
    public async Task RelativeLink_InBeMountedAtAlternateRoot_ResolvesInsideThatRootNotTheLiveOne()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/live", Bytes("live"));
        host.Delete("/var/mail/root");
        host.Delete("/var/mail");
        host.CreateSymlink("/var/mail", "shared/mail");
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var be2 = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");
        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(be2));
        host.CreateDirectory("/a/var/shared/mail");

        host.WriteAllBytes("/a/var/mail/letter", Bytes("for be2"));

        Assert.Equal("for be2", Text(host.ReadAllBytes("/a/var/shared/mail/letter")));
        Assert.Equal(FileKind.Missing, host.GetKind("/var/shared/mail/letter"));
        Assert.Equal(["letter"], host.List("/a/var/mail"));
    }

    [Fact]
    public async Task AbsoluteLink_InBeMountedAtAlternateRoot_LeaksToTheLiveHostPath()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/shared/adm");
        host.CreateDirectory("/a");
        host.CreateSymlink("/a/adm", "/var/shared/adm");

        host.WriteAllBytes("/a/adm/wtmpx", Bytes("x"));

        // The leak DESIGN forbids, shown here so the resolution rule itself is pinned down.
        Assert.Equal(FileKind.File, host.GetKind("/var/shared/adm/wtmpx"));
    }

    [Fact]
    public async Task Link_DotDotThroughLinkedDirectory_FollowsTheLinkFirst()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/deep/inner");
        host.WriteAllBytes("/deep/marker", Bytes("deep"));
        host.CreateSymlink("/shortcut", "deep/inner");

        Assert.Equal("deep", Text(host.ReadAllBytes("/shortcut/../marker")));
    }

    [Fact]
    public async Task LinkLoop_AnyAccess_ThrowsTooManyLevels()
    {
        var host = await BootedAsync();
        host.CreateSymlink("/loop1", "loop2");
        host.CreateSymlink("/loop2", "/loop1");

        var error = Assert.ThrowsAny<IOException>(() => host.ReadAllBytes("/loop1/x"));

        Assert.Contains("Too many levels of symbolic links", error.Message);
        Assert.Equal(FileKind.Symlink, host.GetKind("/loop1"));
    }

    [Fact]
    public async Task ChainOfLinks_AcrossTwoDatasets_EndsInTheRightFile()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/shared/log");
        host.WriteAllBytes("/var/shared/log/messages", Bytes("shared log"));
        host.Delete("/var/log/messages");
        host.Delete("/var/log");
        host.CreateSymlink("/var/log", "shared/log");
        host.CreateSymlink("/var/shared/current", "log/messages");
        host.CreateSymlink("/current", "var/shared/current");

        Assert.Equal("shared log", Text(host.ReadAllBytes("/current")));
        Assert.Equal("shared log", Text(host.ReadAllBytes("/var/log/messages")));
    }

    [Fact]
    public void NothingMountedAtRoot_BaseDirectory_TakesFilesAndHoldsMountPoints()
    {
        var host = NewHost();

        host.CreateDirectory("/lab/x");
        host.WriteAllBytes("/lab/x/f", Bytes("base"));

        Assert.Equal(["x"], host.List("/lab"));
        Assert.Equal("base", Text(host.ReadAllBytes("/lab/x/f")));
    }

    [Fact]
    public async Task WriteThroughDanglingLink_ParentMissing_ThrowsDirectoryNotFound()
    {
        var host = await BootedAsync();
        host.CreateSymlink("/dangling", "nowhere/file");

        Assert.Throws<DirectoryNotFoundException>(() => host.WriteAllBytes("/dangling", Bytes("x")));
        Assert.Throws<FileNotFoundException>(() => host.ReadAllBytes("/dangling"));
    }
}
