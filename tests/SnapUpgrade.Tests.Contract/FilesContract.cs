using SnapUpgrade.Core.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// What every <see cref="IHostFiles"/> must do on a booted layout: "/" is BE be1 and /var/shared is
/// its own dataset, so a move between them crosses datasets. Split by theme: links
/// (FilesContract.Links.cs), metadata and renames (.Metadata.cs), tree copies (.Copy.cs).
/// </summary>
public abstract partial class FilesContract
{
    private static readonly byte[] AllBytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    protected abstract Task<ITestHost> CreateHostAsync();

    [Fact]
    public async Task CreateSymlink_RelativeDangling_IsSymlinkAndReadsBackAsWritten()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/x");

        host.Files.CreateSymlink("/x/adm", "../var/shared/nothing-yet");

        Assert.Equal(FileKind.Symlink, host.Files.GetKind("/x/adm"));
        Assert.Equal("../var/shared/nothing-yet", host.Files.ReadLink("/x/adm"));
    }

    [Fact]
    public async Task GetKind_LinkToDirectory_IsSymlinkAndPathsThroughItAreRefusedWhileAProcessFollowsThem()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/shared/adm");
        host.Files.WriteAllBytes("/var/shared/adm/wtmpx", Bytes("entry"));
        host.Files.CreateDirectory("/x");
        host.Files.CreateSymlink("/x/adm", "../var/shared/adm");

        Assert.Equal(FileKind.Symlink, host.Files.GetKind("/x/adm"));
        Assert.Throws<UnsafePathException>(() => host.Files.GetKind("/x/adm/wtmpx"));
        Assert.Throws<UnsafePathException>(() => host.Files.ReadAllBytes("/x/adm/wtmpx"));
        Assert.Throws<UnsafePathException>(() => host.Files.List("/x/adm"));
        Assert.Equal(FileKind.File, host.Process.GetKind("/x/adm/wtmpx"));
        Assert.Equal(Bytes("entry"), host.Process.ReadAllBytes("/x/adm/wtmpx"));
        Assert.Equal(["wtmpx"], host.Process.List("/x/adm"));
    }

    [Fact]
    public async Task List_Directory_SortedOrdinalNamesOnly()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/d/sub");
        foreach (var name in new[] { "b", "B", "a" }) host.Files.WriteAllBytes($"/d/{name}", []);

        Assert.Equal(["B", "a", "b", "sub"], host.Files.List("/d"));
    }

    [Fact]
    public async Task AppendAllBytes_ExistingFile_AddsToTheEnd()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        host.Files.WriteAllBytes("/var/log/messages", Bytes("one\n"));
        host.Files.AppendAllBytes("/var/log/messages", Bytes("two\n"));

        Assert.Equal(Bytes("one\ntwo\n"), host.Files.ReadAllBytes("/var/log/messages"));
    }

    [Fact]
    public async Task Move_TargetExists_ThrowsAndKeepsBoth()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/shared/mail", Bytes("shared"));

        Assert.ThrowsAny<IOException>(() => host.Files.Move("/var/mail", "/var/shared/mail"));
        host.Files.CreateDirectory("/var/empty");
        Assert.ThrowsAny<IOException>(() => host.Files.Move("/var/log", "/var/empty"));

        Assert.Equal(Bytes("shared"), host.Files.ReadAllBytes("/var/shared/mail"));
        Assert.Equal(FileKind.Directory, host.Files.GetKind("/var/mail"));
        Assert.Equal(FileKind.File, host.Files.GetKind("/var/log/messages"));
    }

    [Fact]
    public async Task Move_TreeAcrossDatasets_KeepsBytesAndLinksAndRemovesTheSource()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/log/nested/deeper");
        host.Files.WriteAllBytes("/var/log/nested/deeper/binary", AllBytes);
        host.Files.CreateSymlink("/var/log/current", "nested/deeper/binary");

        host.Files.Move("/var/log", "/var/shared/log");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/log"));
        Assert.Equal(AllBytes, host.Files.ReadAllBytes("/var/shared/log/nested/deeper/binary"));
        Assert.Equal(Bytes("boot: first boot of the lab host\n"), host.Files.ReadAllBytes("/var/shared/log/messages"));
        Assert.Equal(FileKind.Symlink, host.Files.GetKind("/var/shared/log/current"));
        Assert.Equal("nested/deeper/binary", host.Files.ReadLink("/var/shared/log/current"));
        Assert.Equal(["current", "messages", "nested"], host.Files.List("/var/shared/log"));
    }

    [Fact]
    public async Task Move_FileAcrossDatasets_KeepsBytesOwnersAndModeAndRemovesTheSource()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/file", AllBytes);
        host.Process.SetOwner("/var/file", 1001, 1002);
        host.Process.SetMode("/var/file", Mode0640);

        host.Files.Move("/var/file", "/var/shared/file");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/file"));
        Assert.Equal(AllBytes, host.Files.ReadAllBytes("/var/shared/file"));
        var moved = host.Files.Stat("/var/shared/file")!;
        Assert.Equal((0x1A0, 1001, 1002), (moved.Mode, moved.Uid, moved.Gid));
    }

    [Fact]
    public async Task Move_SymlinkAcrossDatasets_MovesTheLinkNotItsTarget()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateSymlink("/var/link", "log/messages");

        host.Files.Move("/var/link", "/var/shared/link");

        Assert.Equal("log/messages", host.Files.ReadLink("/var/shared/link"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/link"));
        Assert.Equal(FileKind.File, host.Files.GetKind("/var/log/messages"));
    }

    [Fact]
    public async Task Move_WithinDataset_Renames()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        host.Files.Move("/var/mail", "/var/mail.old");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/mail"));
        Assert.Equal(Bytes("From: lab\nSubject: welcome\n\nhello\n"), host.Files.ReadAllBytes("/var/mail.old/root"));
    }

    [Fact]
    public async Task Move_IntoReadOnlyBind_FailsAndLeavesSourceIntactAndNoPartialCopy()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/mnt/ro");
        await host.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        Assert.Throws<ReadOnlyFileSystemException>(() => host.Files.Move("/var/mail", "/mnt/ro/mail"));

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/shared/mail"));
        Assert.Equal(Bytes("From: lab\nSubject: welcome\n\nhello\n"), host.Files.ReadAllBytes("/var/mail/root"));
        await host.Mounts.UnmountAsync("/mnt/ro", Ct);
    }

    [Fact]
    public async Task Delete_LinkFileAndDirectory_RemovesOnlyWhatIsNamed()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateSymlink("/var/adm-link", "adm");
        host.Files.WriteAllBytes("/var/adm/keep", Bytes("k"));

        host.Files.Delete("/var/adm-link");
        Assert.ThrowsAny<IOException>(() => host.Files.Delete("/var/adm"));
        host.Files.Delete("/var/adm/keep");
        host.Files.Delete("/var/adm");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/adm-link"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/adm"));
        Assert.ThrowsAny<IOException>(() => host.Files.Delete("/var/adm"));
    }
}
