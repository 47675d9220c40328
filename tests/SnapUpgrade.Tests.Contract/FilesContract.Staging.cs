using SnapUpgrade.Core.Host;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

// What reading and applying an overlay's staged writes needs of the port: special files with their
// device numbers (whiteouts), xattrs of the entry itself, and the one rename that may replace.
public abstract partial class FilesContract
{
    [Fact]
    public async Task Stat_FifoAndWhiteout_OtherWithTheirSpecialKind()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Process.CreateFifo("/var/fifo");
        host.Process.MakeNode("/var/whiteout", SpecialFile.Whiteout);
        host.Process.MakeNode("/var/null", new SpecialFile(SpecialKind.CharacterDevice, 1, 3));

        Assert.Equal((FileKind.Other, SpecialFile.Fifo), (host.Files.Stat("/var/fifo")!.Kind, host.Files.Stat("/var/fifo")!.Special));
        Assert.True(host.Files.Stat("/var/whiteout")!.Special!.IsWhiteout);
        Assert.Equal(new SpecialFile(SpecialKind.CharacterDevice, 1, 3), host.Files.Stat("/var/null")!.Special);
        Assert.False(host.Files.Stat("/var/null")!.Special!.IsWhiteout);
        Assert.Null(host.Files.Stat("/var/mail")!.Special);
    }

    [Fact]
    public async Task GetXattr_OfTheEntryItself_ValueOrNullNeverTheLinksTarget()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/f", Bytes("f"));
        host.Files.CreateSymlink("/var/link", "f");
        var kept = TrySetXattr(host, "/var/f", "user.origin", Bytes("lab"));

        Assert.Equal(kept ? Bytes("lab") : null, host.Files.GetXattr("/var/f", "user.origin"));
        Assert.Null(host.Files.GetXattr("/var/f", "user.nothing"));
        Assert.Null(host.Files.GetXattr("/var/link", "user.origin"));
        Assert.ThrowsAny<IOException>(() => host.Files.GetXattr("/var/missing", "user.origin"));
    }

    [Fact]
    public async Task Replace_FileOverFileAndOverALink_ReplacesTheNameItselfAtomically()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/shared/old", Bytes("old"));
        host.Files.WriteAllBytes("/var/shared/new", Bytes("new"));
        host.Files.WriteAllBytes("/var/shared/new2", Bytes("new2"));
        host.Files.WriteAllBytes("/var/canary", Bytes("canary"));
        host.Files.CreateSymlink("/var/shared/link", "../canary");

        host.Files.Replace("/var/shared/new", "/var/shared/old");
        host.Files.Replace("/var/shared/new2", "/var/shared/link");

        Assert.Equal(Bytes("new"), host.Files.ReadAllBytes("/var/shared/old"));
        Assert.Equal(Bytes("new2"), host.Files.ReadAllBytes("/var/shared/link"));
        Assert.Equal(Bytes("canary"), host.Files.ReadAllBytes("/var/canary"));
        Assert.Equal(["link", "old"], host.Files.List("/var/shared"));
    }

    [Fact]
    public async Task Replace_DirectoryAtEitherEnd_RefusedAndNothingMoves()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/shared/dir/sub");
        host.Files.WriteAllBytes("/var/shared/file", Bytes("f"));
        host.Files.CreateDirectory("/var/shared/empty");

        Assert.Equal(21, Assert.ThrowsAny<IOException>(() => host.Files.Replace("/var/shared/file", "/var/shared/empty")).HResult);
        Assert.Equal(21, Assert.ThrowsAny<IOException>(() => host.Files.Replace("/var/shared/dir", "/var/shared/file")).HResult);

        Assert.Equal(["dir", "empty", "file"], host.Files.List("/var/shared"));
        Assert.Equal(["sub"], host.Files.List("/var/shared/dir"));
        Assert.Equal(Bytes("f"), host.Files.ReadAllBytes("/var/shared/file"));
    }

    [Fact]
    public async Task Exchange_FileAndLink_SwappedWhereTheFileSystemCanUnchangedWhereNot()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/shared/a", Bytes("a"));
        host.Files.WriteAllBytes("/var/canary", Bytes("canary"));
        host.Files.CreateSymlink("/var/shared/link", "../canary");
        var file = host.Files.Stat("/var/shared/a")!.Identity;
        host.Files.CreateDirectory("/var/shared/dir");

        var swapped = true;
        try
        {
            host.Files.Exchange("/var/shared/a", "/var/shared/link");
        }
        catch (IOException e) when (e.HResult == 22 && host.Name == "zfs-fuse")
        {
            swapped = false; // measured: zfs-fuse (FUSE without rename flags) has no RENAME_EXCHANGE
        }
        Assert.Equal(21, Assert.ThrowsAny<IOException>(() => host.Files.Exchange("/var/shared/dir", "/var/canary")).HResult);

        Assert.Equal(file, host.Files.Stat(swapped ? "/var/shared/link" : "/var/shared/a")!.Identity);
        Assert.Equal("../canary", host.Files.ReadLink(swapped ? "/var/shared/a" : "/var/shared/link"));
        Assert.Equal(Bytes("canary"), host.Files.ReadAllBytes("/var/canary"));
        Assert.Equal(host.Name != "zfs-fuse", swapped);
    }

    [Fact]
    public async Task AppendAllBytes_MissingFile_MadeWithTheBytes()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        host.Files.AppendAllBytes("/var/journal", Bytes("one\n"));
        host.Files.AppendAllBytes("/var/journal", Bytes("two\n"));

        Assert.Equal(Bytes("one\ntwo\n"), host.Files.ReadAllBytes("/var/journal"));
    }

    /// <summary>Sets a user xattr where the file system keeps them (zfs-fuse does not: false).</summary>
    private static bool TrySetXattr(Support.ITestHost host, string path, string name, byte[] value)
    {
        try
        {
            host.Process.SetXattr(path, name, value);
            return true;
        }
        catch (IOException e) when (e.HResult == 95)
        {
            return false;
        }
    }
}
