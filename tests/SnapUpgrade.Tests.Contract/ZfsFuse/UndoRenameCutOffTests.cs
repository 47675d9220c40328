using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// Where the file system has no RENAME_NOREPLACE (zfs-fuse), <see cref="LocalFiles.Rename"/> moves a file with
/// link(2) then unlink(2). A kill -9 between the two leaves the file under both names; CI's kill -9 test of a
/// migration once found <c>log/messages.be2</c> left in /var/shared after the restart's undo. Made here by hand
/// (the link made, the unlink not) on real files, since the simulator has no hard links.
/// </summary>
public sealed class UndoRenameCutOffTests
{
    private static readonly UndoRename Moved = new("/staging/messages", "/shared/messages.be2", default);

    [Fact]
    public async Task UndoRename_CutOffBetweenLinkAndUnlink_TakesTheNewNameAwayAndKeepsTheFile()
    {
        await using var root = LocalRoot.Create();
        var (files, undo) = Staged(root);
        files.WriteAllBytes("/shared/messages", Bytes("the shared log"));
        await LocalRoot.RunAsync("ln", "--", root.Local(Moved.From), root.Local(Moved.To));

        await Undo(files).RunAsync(undo, Ct);

        Assert.Equal(["messages"], files.List("/shared"));
        Assert.Equal(Bytes("the shared log"), files.ReadAllBytes("/shared/messages"));
        Assert.Equal(Bytes("be2's log"), files.ReadAllBytes("/staging/messages"));
        Assert.Equal(1, files.Stat("/staging/messages")!.Links);
    }

    [Fact]
    public async Task UndoRename_NeverMoved_LeavesAnotherFileAtTheNewName()
    {
        await using var root = LocalRoot.Create();
        var (files, undo) = Staged(root);
        files.WriteAllBytes(Moved.To, Bytes("someone's own file"));

        await Undo(files).RunAsync(undo, Ct);

        Assert.Equal(Bytes("someone's own file"), files.ReadAllBytes("/shared/messages.be2"));
        Assert.Equal(Bytes("be2's log"), files.ReadAllBytes("/staging/messages"));
    }

    /// <summary>A file in a staging directory and an empty shared one, and the undo of moving it there.</summary>
    private static (LocalFiles Files, UndoRename Undo) Staged(LocalRoot root)
    {
        var files = new LocalFiles(root.HostRoot, LocalRoot.Runner);
        files.CreateDirectory("/staging");
        files.CreateDirectory("/shared");
        files.WriteAllBytes(Moved.From, Bytes("be2's log"));
        return (files, Moved with { Identity = files.Stat(Moved.From)!.Identity });
    }

    private static UndoRunner Undo(IHostFiles files)
    {
        var zfs = new SimulatedZfs(); // no zfs undo runs here
        return new(new OperationContext
        {
            Zfs = zfs, Mounts = zfs, Files = files, Layout = new Layout("p"), Options = new EngineOptions { Pool = "p" }, Clock = TimeProvider.System,
        });
    }
}
