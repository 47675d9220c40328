using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class PersistenceTests
{
    [Fact]
    public async Task Restart_BootedHostWithChanges_SeesSamePoolFilesMountsAndBootfs()
    {
        using var state = new TempStateFile();
        var first = await BootedAsync(state.Path);
        await first.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s1", properties: Props((UserProperties.ConsoleMade, "on"))));
        await first.CloneBeAsync(Layout.Be("be1") + "@s1", "be2");
        await first.RunAsync(new ZpoolSetBootfs(Pool, Layout.Be("be2")));
        first.WriteAllBytes("/var/shared/mail", [0, 1, 2, 255]);
        first.CreateSymlink("/var/adm-link", "shared/adm");
        first.CreateDirectory("/mnt/ro");
        await first.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);
        var before = await first.ListAsync(Pool, Ct);

        var second = new SimulatedZfs(state.Path);

        Assert.True(second.HasPool(Pool));
        var after = await second.ListAsync(Pool, Ct);
        Assert.Equal(before.Pool, after.Pool);
        Assert.Equal(before.Datasets, after.Datasets);
        Assert.Equal([0, 1, 2, 255], second.ReadAllBytes("/mnt/ro/mail"));
        Assert.Equal("shared/adm", second.ReadLink("/var/adm-link"));
        Assert.Equal([new BindMount("/var/shared", "/mnt/ro", true)], await second.ListAsync(Ct));
        Assert.Throws<ReadOnlyFileSystemException>(() => second.WriteAllBytes("/mnt/ro/x", [1]));
    }

    [Fact]
    public async Task Restart_DevicesSocketsAndXattrs_ComeBackAsTheyWere()
    {
        using var state = new TempStateFile();
        var first = await BootedAsync(state.Path);
        var process = first.AsProcess();
        process.MakeNode("/var/whiteout", SpecialFile.Whiteout);
        process.MakeNode("/var/disk", new SpecialFile(SpecialKind.BlockDevice, 8, 1));
        process.MakeNode("/var/socket", new SpecialFile(SpecialKind.Socket));
        process.CreateFifo("/var/fifo");
        process.CreateDirectory("/var/opaque");
        process.SetXattr("/var/opaque", "trusted.overlay.opaque", "y"u8.ToArray());

        var second = new SimulatedZfs(state.Path);

        Assert.True(second.Stat("/var/whiteout")!.Special!.IsWhiteout);
        Assert.Equal(new SpecialFile(SpecialKind.BlockDevice, 8, 1), second.Stat("/var/disk")!.Special);
        Assert.Equal(new SpecialFile(SpecialKind.Socket), second.Stat("/var/socket")!.Special);
        Assert.Equal(SpecialFile.Fifo, second.Stat("/var/fifo")!.Special);
        Assert.Equal("y"u8.ToArray(), second.GetXattr("/var/opaque", "trusted.overlay.opaque"));
        Assert.Null(second.GetXattr("/var/fifo", "trusted.overlay.opaque"));
    }

    [Fact]
    public async Task Restart_AfterSnapshotAndClone_SharesTreesInsteadOfCopyingThem()
    {
        using var state = new TempStateFile();
        var host = await BootedAsync(state.Path);
        host.WriteAllBytes("/big", new byte[200_000]);
        var oneCopy = state.Bytes;

        for (var i = 0; i < 5; i++)
        {
            await host.RunAsync(new ZfsSnapshot($"{Layout.Be("be1")}@s{i}"));
            await host.CloneBeAsync($"{Layout.Be("be1")}@s{i}", $"c{i}");
        }

        // Five snapshots and five clones of a 200 kB file must not store it five more times.
        Assert.InRange(state.Bytes, oneCopy, oneCopy + 50_000);
        var reopened = new SimulatedZfs(state.Path);
        Assert.Equal(11, (await reopened.ListAsync(Pool, Ct)).Datasets.Count(d => d.Name.StartsWith(Layout.BeContainer + "/", StringComparison.Ordinal)));
    }

    [Fact]
    public void DefaultStateFile_Always_IsAbsoluteAndPerApplication()
    {
        var file = SimulatedZfs.DefaultStateFile;

        Assert.True(Path.IsPathRooted(file), file);
        Assert.EndsWith("/snapupgrade/simulated-host.json", file);
    }

    [Fact]
    public async Task Persist_AfterEachChange_LeavesNoTempFileBehind()
    {
        using var state = new TempStateFile();
        var host = await BootedAsync(state.Path);
        host.WriteAllBytes("/etc/hostname", Bytes("demo\n"));

        var files = Directory.GetFiles(Path.GetDirectoryName(state.Path)!).Order(StringComparer.Ordinal);

        Assert.Equal([state.Path, state.Journal], files);
        Assert.Equal("demo\n", Text(new SimulatedZfs(state.Path).ReadAllBytes("/etc/hostname")));
    }
}
