using SnapUpgrade.Core.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// What every <see cref="IHostFiles"/> must do on a booted layout: "/" is BE be1 and /var/shared is
/// its own dataset, so a copy or rename between them crosses datasets. Split by theme: links
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
    public async Task CopyTree_AcrossDatasetsOntoAFile_ThrowsAndKeepsBoth()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/shared/mail", Bytes("shared"));

        await Assert.ThrowsAnyAsync<IOException>(() => host.Files.CopyTreeAsync(new TreeCopy("/var/mail", "/var/shared/mail"), Ct));

        Assert.Equal(Bytes("shared"), host.Files.ReadAllBytes("/var/shared/mail"));
        Assert.Equal(Bytes("From: lab\nSubject: welcome\n\nhello\n"), host.Files.ReadAllBytes("/var/mail/root"));
    }

    [Fact]
    public async Task ReadOnlyBind_CopyRenameAndWrite_ThrowErofsAndChangeNothing()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/shared/existing", Bytes("e"));
        host.Files.CreateDirectory("/mnt/ro");
        await host.Mounts.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);

        await Assert.ThrowsAsync<ReadOnlyFileSystemException>(() => host.Files.CopyTreeAsync(new TreeCopy("/var/mail", "/mnt/ro/mail"), Ct));
        // Within the bind: across mounts rename(2) answers EXDEV before it looks at EROFS.
        Assert.Throws<ReadOnlyFileSystemException>(() => host.Files.Rename("/mnt/ro/existing", "/mnt/ro/renamed"));
        Assert.Throws<ReadOnlyFileSystemException>(() => host.Files.WriteAllBytes("/mnt/ro/new", Bytes("n")));

        Assert.Equal(["existing"], host.Files.List("/var/shared"));
        Assert.Equal(Bytes("e"), host.Files.ReadAllBytes("/var/shared/existing"));
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
