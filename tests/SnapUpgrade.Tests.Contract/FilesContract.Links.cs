using System.Text;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

// The port never follows a link: a link in the middle of a path, or in the last component where a
// file or directory is needed, throws UnsafePathException and changes nothing. Every link here is
// relative, so even an adapter that wrongly followed one stays inside the lab's host root.
public abstract partial class FilesContract
{
    /// <summary>A directory outside the paths under test that no call may reach: /canary with a file, a subdirectory and a link.</summary>
    private static void MakeCanary(ITestHost host)
    {
        host.Files.CreateDirectory("/canary/d");
        host.Files.WriteAllBytes("/canary/f", Bytes("canary"));
        host.Files.WriteAllBytes("/canary/d/inner", Bytes("inner"));
        host.Files.CreateSymlink("/canary/l", "f");
    }

    /// <summary>Everything lstat and the bytes say about a tree, read without links, as one comparable text.</summary>
    private static string Describe(ITestHost host, string path)
    {
        var text = new StringBuilder();
        Walk(path);
        return text.ToString();

        void Walk(string at)
        {
            var stat = host.Files.Stat(at) ?? throw new Xunit.Sdk.XunitException($"{at} vanished on {host.Name}");
            text.Append($"{at} {stat.Kind} {Convert.ToString(stat.Mode, 8)} {stat.Uid}:{stat.Gid} {stat.Size} {stat.Identity}");
            switch (stat.Kind)
            {
                case FileKind.File: text.Append(' ').AppendLine(Convert.ToHexString(host.Files.ReadAllBytes(at))); break;
                case FileKind.Symlink: text.Append(" -> ").AppendLine(host.Files.ReadLink(at)); break;
                case FileKind.Directory:
                    text.AppendLine();
                    foreach (var name in host.Files.List(at)) Walk($"{at}/{name}");
                    break;
                default: text.AppendLine(); break;
            }
        }
    }

    [Fact]
    public async Task EveryMethod_LinkInTheMiddleOfThePath_ThrowsUnsafePathAndLeavesTheCanaryAlone()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeCanary(host);
        host.Files.CreateDirectory("/x/plain");
        host.Files.WriteAllBytes("/x/file", Bytes("x"));
        host.Files.CreateSymlink("/x/link", "../canary");
        var before = Describe(host, "/canary");
        var files = host.Files;

        Assert.Throws<UnsafePathException>(() => files.GetKind("/x/link/f"));
        Assert.Throws<UnsafePathException>(() => files.Stat("/x/link/f"));
        Assert.Throws<UnsafePathException>(() => files.ReadLink("/x/link/l"));
        Assert.Throws<UnsafePathException>(() => files.List("/x/link/d"));
        Assert.Throws<UnsafePathException>(() => files.CreateDirectory("/x/link/new/deeper"));
        Assert.Throws<UnsafePathException>(() => files.CreateSymlink("/x/link/new-link", "f"));
        Assert.Throws<UnsafePathException>(() => files.ReadAllBytes("/x/link/f"));
        Assert.Throws<UnsafePathException>(() => files.WriteAllBytes("/x/link/f", Bytes("overwritten")));
        Assert.Throws<UnsafePathException>(() => files.WriteAllBytes("/x/link/new", Bytes("new")));
        Assert.Throws<UnsafePathException>(() => files.AppendAllBytes("/x/link/f", Bytes("more")));
        Assert.Throws<UnsafePathException>(() => files.SameContent("/x/link/f", "/canary/f"));
        Assert.Throws<UnsafePathException>(() => files.SameContent("/x/file", "/x/link/f"));
        Assert.Throws<UnsafePathException>(() => files.Rename("/x/link/f", "/x/renamed"));
        Assert.Throws<UnsafePathException>(() => files.Rename("/x/file", "/x/link/file"));
        Assert.Throws<UnsafePathException>(() => files.Delete("/x/link/f"));
        Assert.Throws<UnsafePathException>(() => files.Delete("/x/link/l"));
        Assert.Throws<UnsafePathException>(() => files.DeleteTree("/x/link/d"));
        await Assert.ThrowsAsync<UnsafePathException>(() => files.CopyTreeAsync(new TreeCopy("/x/link/d", "/var/shared/copy"), Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => files.CopyTreeAsync(new TreeCopy("/x/plain", "/x/link/copy"), Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => files.CopyTreeAsync(new TreeCopy("/x/plain", "/var/shared/copy", "/x/link/d"), Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => files.VerifyCopyAsync(new TreeCopy("/x/link/d", "/x/plain"), Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => files.VerifyCopyAsync(new TreeCopy("/x/plain", "/x/link/d"), Ct));

        Assert.Equal(before, Describe(host, "/canary"));
        Assert.Equal(["d", "f", "l"], host.Files.List("/canary"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/shared/copy"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/x/renamed"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/x/moved"));
        Assert.Equal(Bytes("x"), host.Files.ReadAllBytes("/x/file"));
    }

    [Fact]
    public async Task AnyMethod_LinkDeeperInThePath_IsRefusedToo()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeCanary(host);
        host.Files.CreateDirectory("/x/a/b");
        host.Files.CreateSymlink("/x/a/b/link", "../../../canary");
        var before = Describe(host, "/canary");

        var refused = Assert.Throws<UnsafePathException>(() => host.Files.WriteAllBytes("/x/a/b/link/d/inner", Bytes("changed")));

        Assert.Equal(40, refused.HResult);
        Assert.Throws<UnsafePathException>(() => host.Files.GetKind("/x/a/b/link/d/inner"));
        Assert.Equal(before, Describe(host, "/canary"));
        Assert.Equal(Bytes("inner"), host.Process.ReadAllBytes("/x/a/b/link/d/inner"));
    }

    [Fact]
    public async Task NeedsAFileOrDirectory_LinkInTheLastComponent_IsRefusedAndTheTargetUnchanged()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeCanary(host);
        host.Files.CreateDirectory("/x");
        host.Files.CreateSymlink("/x/file-link", "../canary/f");
        host.Files.CreateSymlink("/x/dir-link", "../canary/d");
        host.Files.CreateSymlink("/x/dangling", "../canary/not-yet");
        var before = Describe(host, "/canary");

        Assert.Throws<UnsafePathException>(() => host.Files.ReadAllBytes("/x/file-link"));
        Assert.Throws<UnsafePathException>(() => host.Files.WriteAllBytes("/x/file-link", Bytes("overwritten")));
        Assert.Throws<UnsafePathException>(() => host.Files.WriteAllBytes("/x/dangling", Bytes("created")));
        Assert.Throws<UnsafePathException>(() => host.Files.AppendAllBytes("/x/file-link", Bytes("more")));
        Assert.Throws<UnsafePathException>(() => host.Files.List("/x/dir-link"));
        Assert.Throws<UnsafePathException>(() => host.Files.CreateDirectory("/x/dir-link"));
        Assert.Throws<UnsafePathException>(() => host.Files.CreateDirectory("/x/dangling"));
        Assert.Throws<UnsafePathException>(() => host.Files.SameContent("/x/file-link", "/canary/f"));
        await Assert.ThrowsAsync<UnsafePathException>(() => host.Files.CopyTreeAsync(new TreeCopy("/x/dir-link", "/var/shared/copy"), Ct));

        Assert.Equal(before, Describe(host, "/canary"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/canary/not-yet"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/shared/copy"));
        Assert.Equal("../canary/f", host.Files.ReadLink("/x/file-link"));
    }

    [Fact]
    public async Task Lstat_LinkInTheLastComponent_IsReportedAsALinkNotFollowed()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeCanary(host);
        host.Files.CreateDirectory("/x");
        host.Files.CreateSymlink("/x/dir-link", "../canary/d");

        var stat = host.Files.Stat("/x/dir-link");

        Assert.Equal(FileKind.Symlink, host.Files.GetKind("/x/dir-link"));
        Assert.Equal(FileKind.Symlink, stat?.Kind);
        Assert.Equal("../canary/d".Length, stat?.Size);
        Assert.Equal("../canary/d", host.Files.ReadLink("/x/dir-link"));
    }

    [Fact]
    public async Task Delete_LinkToADirectory_RemovesTheLinkOnly()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeCanary(host);
        host.Files.CreateDirectory("/x");
        host.Files.CreateSymlink("/x/dir-link", "../canary/d");
        var before = Describe(host, "/canary");

        host.Files.Delete("/x/dir-link");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/x/dir-link"));
        Assert.Equal(before, Describe(host, "/canary"));
    }

    [Fact]
    public async Task DeleteTree_TreeWithLinksToACanary_RemovesTheLinksAndKeepsTheCanary()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeCanary(host);
        host.Files.CreateDirectory("/var/staging/tree/sub/deeper");
        host.Files.WriteAllBytes("/var/staging/tree/sub/deeper/file", Bytes("staged"));
        host.Files.CreateSymlink("/var/staging/tree/to-dir", "../../../canary");
        host.Files.CreateSymlink("/var/staging/tree/sub/to-subdir", "../../../../canary/d");
        host.Files.CreateSymlink("/var/staging/tree/sub/deeper/to-file", "../../../../../canary/f");
        Assert.Equal(Bytes("inner"), host.Process.ReadAllBytes("/var/staging/tree/to-dir/d/inner"));
        var before = Describe(host, "/canary");

        host.Files.DeleteTree("/var/staging/tree");

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/staging/tree"));
        Assert.Equal(FileKind.Directory, host.Files.GetKind("/var/staging"));
        Assert.Equal(before, Describe(host, "/canary"));
    }

    [Fact]
    public async Task DeleteTree_TreeHoldingAMountPoint_ThrowsAndKeepsTheMountedFiles()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.WriteAllBytes("/var/shared/precious", Bytes("host data"));
        host.Files.CreateDirectory("/var/staging/tree/bound");
        await host.Mounts.BindAsync("/var/shared", "/var/staging/tree/bound", readOnly: false, Ct);

        Assert.ThrowsAny<IOException>(() => host.Files.DeleteTree("/var/staging/tree"));

        Assert.Equal(Bytes("host data"), host.Files.ReadAllBytes("/var/shared/precious"));
        await host.Mounts.UnmountAsync("/var/staging/tree/bound", Ct);
        Assert.Equal(Bytes("host data"), host.Files.ReadAllBytes("/var/shared/precious"));
    }
}
