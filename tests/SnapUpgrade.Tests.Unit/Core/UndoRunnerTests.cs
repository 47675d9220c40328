using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>Undo data run against a host after a crash: it puts back what the console moved, and nothing else.</summary>
public sealed class UndoRunnerTests
{
    private static UndoRunner Runner(SimulatedZfs host) => new(new OperationContext
    {
        Zfs = host, Mounts = host, Files = host, Layout = Layout, Options = new EngineOptions { Pool = Pool }, Clock = TimeProvider.System,
    });

    [Fact]
    public async Task UndoRename_FileSystemMountedAgainSince_PutsTheFileBack()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/moved", Bytes("original"));
        var identity = host.Stat("/var/moved")!.Identity;
        host.Rename("/var/moved", "/var/aside");
        // What the journal holds after the BE was unmounted and mounted again (a kill -9 during a
        // migration's release, then the undo): same inode, another st_dev.
        var recorded = identity with { Device = identity.Device + 1000 };

        await Runner(host).RunAsync(new UndoRename("/var/moved", "/var/aside", recorded), Ct);

        Assert.Equal(("original", FileKind.Missing), (Text(host, "/var/moved"), host.GetKind("/var/aside")));
    }

    [Fact]
    public async Task UndoRename_AnotherFileTookTheName_IsRefusedAndMovesNothing()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/moved", Bytes("original"));
        var identity = host.Stat("/var/moved")!.Identity;
        host.Rename("/var/moved", "/var/aside");
        host.Delete("/var/aside");
        host.WriteAllBytes("/var/aside", Bytes("someone else's"));

        await Assert.ThrowsAsync<IOException>(() => Runner(host).RunAsync(new UndoRename("/var/moved", "/var/aside", identity), Ct));

        Assert.Equal((FileKind.Missing, "someone else's"), (host.GetKind("/var/moved"), Text(host, "/var/aside")));
    }

    [Fact]
    public async Task Finish_DestroyOfWhatIsGone_IsDoneAndRunsNothing()
    {
        var host = await BootedAsync();

        var ran = await Runner(host).FinishAsync(new ZfsDestroy(Layout.Be("gone"), Recursive: true), Ct);

        Assert.False(ran);
    }

    [Fact]
    public async Task Finish_RecursiveDestroyCutOffHalfWay_IsFinished()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var be2 = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");
        await host.RunAsync(new ZfsSnapshot(be2 + "@a"));
        await host.RunAsync(new ZfsDestroy(be2 + "@a")); // what the cut-off destroy -r got done: the snapshot, not the file system

        var ran = await Runner(host).FinishAsync(new ZfsDestroy(be2, Recursive: true), Ct);

        Assert.True(ran);
        Assert.Null(await host.FindAsync(be2));
    }

    [Fact]
    public async Task UndoOfAnUnmount_DatasetMountedAlready_IsDoneAndTheOtherCommandsRun()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var be2 = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");
        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/mnt/be2"));
        await host.RunAsync(new ZfsMount(be2));

        // An unmount cut off before it took effect (or a dataset zfs mounted again): its undo finds it mounted.
        await Runner(host).RunAsync(new UndoZfs([new ZfsMount(be2), new ZfsSet(be2, UserProperties.Keep, "on")]), Ct);

        var listed = await host.FindAsync(be2);
        Assert.True(listed!.Mounted);
        Assert.Equal("on", listed.Keep);
    }

    [Fact]
    public async Task Finish_UnmountOfWhatIsNotMounted_IsDone()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var be2 = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");

        Assert.False(await Runner(host).FinishAsync(new ZfsUnmount(be2), Ct));
    }

    private static string Text(SimulatedZfs host, string path) => System.Text.Encoding.UTF8.GetString(host.AsProcess().ReadAllBytes(path));
}
