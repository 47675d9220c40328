using SnapUpgrade.Core.Host;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

// Stat, modes, owners, SameContent and the rename that never replaces.
public abstract partial class FilesContract
{
    private const UnixFileMode Mode0700 = (UnixFileMode)0x1C0;
    private const UnixFileMode Mode0640 = (UnixFileMode)0x1A0;
    private const UnixFileMode Mode0775 = (UnixFileMode)0x1FD;
    private const UnixFileMode Mode4755 = (UnixFileMode)0x9ED;

    [Fact]
    public async Task Stat_FileWithOwnerAndMode_ReportsThemWithSizeAndOneLink()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/owned", AllBytes);
        host.Process.SetOwner("/var/owned", 1234, 5678);
        host.Process.SetMode("/var/owned", Mode0640);

        var stat = host.Files.Stat("/var/owned");

        Assert.NotNull(stat);
        Assert.Equal((FileKind.File, 0x1A0, 1234, 5678, 256L, 1), (stat.Kind, stat.Mode, stat.Uid, stat.Gid, stat.Size, stat.Links));
    }

    [Fact]
    public async Task Stat_SetuidFile_ModeCarriesTheSpecialBits()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/su", Bytes("#!"));
        host.Process.SetMode("/var/su", Mode4755);

        Assert.Equal(0x9ED, host.Files.Stat("/var/su")?.Mode);
    }

    [Fact]
    public async Task Stat_MissingAndDirectory_NullAndDirectory()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        Assert.Null(host.Files.Stat("/var/nothing"));
        Assert.Null(host.Files.Stat("/nowhere/nothing"));
        Assert.Equal(FileKind.Directory, host.Files.Stat("/var/mail")?.Kind);
        Assert.Equal(0, host.Files.Stat("/var/mail")?.Uid);
    }

    [Fact]
    public async Task Stat_TwoFilesAndTwoDatasets_DifferInIdentityAndDevice()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/one", Bytes("1"));
        host.Files.WriteAllBytes("/var/two", Bytes("1"));
        host.Files.WriteAllBytes("/var/shared/three", Bytes("1"));

        var one = host.Files.Stat("/var/one")!;
        var two = host.Files.Stat("/var/two")!;
        var three = host.Files.Stat("/var/shared/three")!;

        Assert.NotEqual(one.Identity, two.Identity);
        Assert.Equal(one.Device, two.Device);
        Assert.NotEqual(one.Device, three.Device);
    }

    [Fact]
    public async Task GetKind_Fifo_IsOtherAndStatSaysSo()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        host.Process.CreateFifo("/var/pipe");

        Assert.Equal(FileKind.Other, host.Files.GetKind("/var/pipe"));
        Assert.Equal(FileKind.Other, host.Files.Stat("/var/pipe")?.Kind);
        Assert.Contains("pipe", host.Files.List("/var"));
    }

    [Fact]
    public async Task CreateDirectory_WithMode_MadeDirectoriesGetExactlyThatModeAndExistingOnesKeepTheirs()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/old");
        host.Process.SetMode("/var/old", Mode0700);

        host.Files.CreateDirectory("/var/staging/a/b", Mode0700);
        host.Files.CreateDirectory("/var/group", Mode0775);
        host.Files.CreateDirectory("/var/old/sub", Mode0775);
        host.Files.CreateDirectory("/var/plain");

        Assert.Equal(0x1C0, host.Files.Stat("/var/staging")?.Mode);
        Assert.Equal(0x1C0, host.Files.Stat("/var/staging/a/b")?.Mode);
        Assert.Equal(0x1FD, host.Files.Stat("/var/group")?.Mode); // no umask
        Assert.Equal(0x1C0, host.Files.Stat("/var/old")?.Mode);
        Assert.Equal(0x1FD, host.Files.Stat("/var/old/sub")?.Mode);
        Assert.Equal(0x1ED, host.Files.Stat("/var/plain")?.Mode);
        Assert.Equal(0x1ED, host.Files.Stat("/var")?.Mode);
    }

    [Fact]
    public async Task CreateDirectory_ExistingFileInThePath_ThrowsAndMakesNothing()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/file", Bytes("f"));

        Assert.ThrowsAny<IOException>(() => host.Files.CreateDirectory("/var/file/sub"));

        Assert.Equal(FileKind.File, host.Files.GetKind("/var/file"));
    }

    [Fact]
    public async Task SameContent_EqualAndDifferentBytesAcrossDatasets_TrueOnlyForEqualRegularFiles()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/a", AllBytes);
        host.Files.WriteAllBytes("/var/shared/same", AllBytes);
        var changed = AllBytes.ToArray();
        changed[100] ^= 1;
        host.Files.WriteAllBytes("/var/shared/changed", changed);

        Assert.True(host.Files.SameContent("/var/a", "/var/shared/same"));
        Assert.False(host.Files.SameContent("/var/a", "/var/shared/changed"));
        Assert.False(host.Files.SameContent("/var/a", "/var/shared/missing"));
        Assert.False(host.Files.SameContent("/var/a", "/var/mail"));
    }

    [Fact]
    public async Task Rename_WithinDataset_KeepsIdentityAndContentUnderTheNewName()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var identity = host.Files.Stat("/var/mail")!.Identity;

        host.Files.Rename("/var/mail", "/var/mail.old");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/mail"));
        Assert.Equal(identity, host.Files.Stat("/var/mail.old")?.Identity);
        Assert.Equal(Bytes("From: lab\nSubject: welcome\n\nhello\n"), host.Files.ReadAllBytes("/var/mail.old/root"));
    }

    [Fact]
    public async Task Rename_Link_MovesTheLinkNotItsTarget()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateSymlink("/var/link", "log/messages");

        host.Files.Rename("/var/link", "/var/link2");

        Assert.Equal("log/messages", host.Files.ReadLink("/var/link2"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/link"));
        Assert.Equal(FileKind.File, host.Files.GetKind("/var/log/messages"));
    }

    [Fact]
    public async Task Rename_TargetExists_ThrowsEexistAndKeepsBoth()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/a", Bytes("a"));
        host.Files.WriteAllBytes("/var/b", Bytes("b"));
        host.Files.CreateDirectory("/var/empty");
        host.Files.CreateSymlink("/var/dangling", "nowhere");

        Assert.Equal(17, Assert.ThrowsAny<IOException>(() => host.Files.Rename("/var/a", "/var/b")).HResult);
        // rename(2) alone would replace an empty directory or a link: never here.
        Assert.Equal(17, Assert.ThrowsAny<IOException>(() => host.Files.Rename("/var/log", "/var/empty")).HResult);
        Assert.Equal(17, Assert.ThrowsAny<IOException>(() => host.Files.Rename("/var/a", "/var/dangling")).HResult);

        Assert.Equal(Bytes("a"), host.Files.ReadAllBytes("/var/a"));
        Assert.Equal(Bytes("b"), host.Files.ReadAllBytes("/var/b"));
        Assert.Equal(FileKind.File, host.Files.GetKind("/var/log/messages"));
        Assert.Empty(host.Files.List("/var/empty"));
        Assert.Equal("nowhere", host.Files.ReadLink("/var/dangling"));
    }

    [Fact]
    public async Task Rename_DirectoryIntoItself_ThrowsEinvalAndLeavesNothingBehind()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        // On zfs-fuse (no RENAME_NOREPLACE) this goes through the fallback that makes the target
        // first: the directory it made must go again.
        Assert.Equal(22, Assert.ThrowsAny<IOException>(() => host.Files.Rename("/var/mail", "/var/mail/inner")).HResult);

        Assert.Equal(["root"], host.Files.List("/var/mail"));
    }

    [Fact]
    public async Task Rename_AcrossDatasets_ThrowsExdevAndMovesNothing()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        var error = Assert.ThrowsAny<IOException>(() => host.Files.Rename("/var/mail", "/var/shared/mail"));

        Assert.Equal(18, error.HResult);
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/shared/mail"));
        Assert.Equal(Bytes("From: lab\nSubject: welcome\n\nhello\n"), host.Files.ReadAllBytes("/var/mail/root"));
    }

    [Fact]
    public async Task Rename_SourceMissing_ThrowsAndMakesNothing()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();

        Assert.ThrowsAny<IOException>(() => host.Files.Rename("/var/nothing", "/var/something"));

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/something"));
    }
}
