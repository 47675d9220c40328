using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>
/// The process view (<see cref="SnapUpgrade.Infra.Simulation.SimulatedZfs.AsProcess"/>) resolves
/// like the kernel; the port refuses the same paths. Both are pinned down here.
/// </summary>
public sealed class PathResolutionTests
{
    [Fact]
    public async Task Process_RelativeLinkInBeMountedAtAlternateRoot_ResolvesInsideThatRootNotTheLiveOne()
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

        host.AsProcess().WriteAllBytes("/a/var/mail/letter", Bytes("for be2"));

        Assert.Equal("for be2", Text(host.ReadAllBytes("/a/var/shared/mail/letter")));
        Assert.Equal(FileKind.Missing, host.GetKind("/var/shared/mail/letter"));
        Assert.Equal(["letter"], host.AsProcess().List("/a/var/mail"));
        Assert.Throws<UnsafePathException>(() => host.List("/a/var/mail"));
    }

    [Fact]
    public async Task Process_AbsoluteLinkInBeMountedAtAlternateRoot_LeaksToTheLiveHostPathWhereThePortRefuses()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/shared/adm");
        host.CreateDirectory("/a");
        host.CreateSymlink("/a/adm", "/var/shared/adm");

        host.AsProcess().WriteAllBytes("/a/adm/wtmpx", Bytes("x"));

        // The leak DESIGN forbids, shown here so the resolution rule itself is pinned down; the port refuses it.
        Assert.Equal(FileKind.File, host.GetKind("/var/shared/adm/wtmpx"));
        Assert.Throws<UnsafePathException>(() => host.WriteAllBytes("/a/adm/other", Bytes("x")));
        Assert.Equal(["wtmpx"], host.List("/var/shared/adm"));
    }

    [Fact]
    public async Task Process_DotDotThroughLinkedDirectory_FollowsTheLinkFirst()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/deep/inner");
        host.WriteAllBytes("/deep/marker", Bytes("deep"));
        host.CreateSymlink("/shortcut", "deep/inner");

        Assert.Equal("deep", Text(host.AsProcess().ReadAllBytes("/shortcut/../marker")));
    }

    [Fact]
    public async Task Process_LinkLoop_ThrowsTooManyLevels()
    {
        var host = await BootedAsync();
        host.CreateSymlink("/loop1", "loop2");
        host.CreateSymlink("/loop2", "/loop1");

        var error = Assert.ThrowsAny<IOException>(() => host.AsProcess().ReadAllBytes("/loop1/x"));

        Assert.Contains("Too many levels of symbolic links", error.Message);
        Assert.Equal(FileKind.Symlink, host.GetKind("/loop1"));
    }

    [Fact]
    public async Task Process_ChainOfLinksAcrossTwoDatasets_EndsInTheRightFileWhereThePortRefuses()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/shared/log");
        host.WriteAllBytes("/var/shared/log/messages", Bytes("shared log"));
        host.Delete("/var/log/messages");
        host.Delete("/var/log");
        host.CreateSymlink("/var/log", "shared/log");
        host.CreateSymlink("/var/shared/current", "log/messages");
        host.CreateSymlink("/current", "var/shared/current");

        Assert.Equal("shared log", Text(host.AsProcess().ReadAllBytes("/current")));
        Assert.Equal("shared log", Text(host.AsProcess().ReadAllBytes("/var/log/messages")));
        Assert.Throws<UnsafePathException>(() => host.ReadAllBytes("/current"));
        Assert.Throws<UnsafePathException>(() => host.ReadAllBytes("/var/log/messages"));
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
    public async Task WriteThroughDanglingLink_ParentMissing_ProcessGetsDirectoryNotFoundAndThePortRefuses()
    {
        var host = await BootedAsync();
        host.CreateSymlink("/dangling", "nowhere/file");

        Assert.Throws<DirectoryNotFoundException>(() => host.AsProcess().WriteAllBytes("/dangling", Bytes("x")));
        Assert.Throws<FileNotFoundException>(() => host.AsProcess().ReadAllBytes("/dangling"));
        Assert.Throws<UnsafePathException>(() => host.WriteAllBytes("/dangling", Bytes("x")));
    }

    [Fact]
    public async Task Port_DotDotAfterALink_IsLexicalAndNeverLooksAtTheLink()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/deep/inner");
        host.WriteAllBytes("/marker", Bytes("top"));
        host.CreateSymlink("/shortcut", "deep/inner");

        // As LocalFiles' HostPaths does: "/shortcut/.." is "/" before anything is looked up.
        Assert.Equal("top", Text(host.ReadAllBytes("/shortcut/../marker")));
    }
}
