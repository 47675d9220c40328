using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// <see cref="LocalFiles"/>' rsync copies on real file systems, judged by the real tools (stat,
/// getfattr, getfacl), not by the product's own code.
/// </summary>
public sealed class LocalFilesCopyTests
{
    // A FIFO read instead of recreated would block forever: the whole copy runs under this token.
    private static CancellationTokenSource Guard()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMinutes(5));
        return cts;
    }

    [Fact]
    public async Task CopyTreeAsync_Ext4WithXattrsAndAcls_KeepsOwnersModesLinksHolesSpecialsAndAttributes()
    {
        await using var root = LocalRoot.Create();
        await LocalRoot.MakeTreeAsync(root.Local("/src"), withAttributes: true);
        var files = new LocalFiles(root.HostRoot);
        var copy = new TreeCopy("/src", "/copy");
        using var guard = Guard();

        await files.CopyTreeAsync(copy, guard.Token);

        Assert.Empty(await files.VerifyCopyAsync(copy, guard.Token));
        var source = await LocalRoot.DescribeAsync(root.Local("/src"));
        Assert.Equal(source, await LocalRoot.DescribeAsync(root.Local("/copy")));
        Assert.Contains("user.origin=\"lab\"", source["owned"]);
        Assert.Contains("user:1234:rwx", source["sub"]);
        Assert.StartsWith("regular file 1234:2345 4755", source["setuid"]);
        Assert.Contains("links=2", source["sub/hard1"]);
        Assert.Contains("blocks=0 size=67108864", source["sparse"]);
        Assert.StartsWith("fifo", source["fifo"]);
        Assert.StartsWith("socket", source["socket"]);
        Assert.Equal("/etc\n", await LocalRoot.RunAsync("readlink", root.Local("/copy/etc-link")));
        await AssertNoRootSetIdAsync(root.Local("/copy"));
        Assert.Contains("-A", files.DescribeCopy(copy));
        Assert.Contains("-X", files.DescribeCopy(copy));
    }

    [Fact]
    public async Task CopyTreeAsync_ZfsDataset_KeepsOwnersModesLinksHolesSpecialsAndXattrsWhereTheDatasetHasThem()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        await LocalRoot.MakeTreeAsync(lab.HostRoot + "/src", withAttributes: false);
        var copy = new TreeCopy("/src", "/var/shared/copy");
        // zfs-fuse keeps no xattrs; OpenZFS does (xattr=on), without POSIX ACLs (acltype=off): as setfattr finds it.
        var keepsXattrs = await KeepsXattrsAsync(lab.HostRoot + "/var/shared");
        using var guard = Guard();

        await lab.Files.CopyTreeAsync(copy, guard.Token);

        Assert.Empty(await lab.Files.VerifyCopyAsync(copy, guard.Token));
        var source = await LocalRoot.DescribeAsync(lab.HostRoot + "/src");
        Assert.Equal(source, await LocalRoot.DescribeAsync(lab.HostRoot + "/var/shared/copy"));
        Assert.StartsWith("regular file 1234:2345 4755", source["setuid"]);
        Assert.Contains("links=2", source["sub/hard1"]);
        Assert.Contains("size=67108864", source["sparse"]);
        Assert.DoesNotContain("blocks=131072", source["sparse"]);
        await AssertNoRootSetIdAsync(lab.HostRoot + "/var/shared/copy");
        Assert.DoesNotContain("-A", lab.Files.DescribeCopy(copy));
        Assert.Equal(keepsXattrs, lab.Files.DescribeCopy(copy).Contains("-X"));
    }

    private static async Task<bool> KeepsXattrsAsync(string directory)
    {
        var probe = Path.Combine(directory, ".xattr-probe");
        await File.WriteAllTextAsync(probe, "", Ct);
        try
        {
            return (await LocalRoot.Runner.RunAsync(["setfattr", "-n", "user.probe", "-v", "1", probe], ct: Ct)).Succeeded;
        }
        finally
        {
            File.Delete(probe);
        }
    }

    [Fact]
    public async Task CopyTreeAsync_SourceWithAclOntoZfsFuse_RefusesBeforeCopying()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        await using var local = LocalRoot.Create();
        Directory.CreateDirectory(local.Local("/src/sub"));
        await LocalRoot.RunAsync("setfacl", "-m", "u:1234:rwx", local.Local("/src/sub"));
        // The lab's host root sees the local tree through a bind made by the test itself.
        Directory.CreateDirectory(lab.HostRoot + "/mnt/src");
        await LocalRoot.RunAsync("mount", "--bind", local.Local("/src"), lab.HostRoot + "/mnt/src");
        try
        {
            var error = await Assert.ThrowsAnyAsync<IOException>(() =>
                lab.Files.CopyTreeAsync(new TreeCopy("/mnt/src", "/var/shared/copy"), Ct));

            Assert.Contains("silently drop", error.Message);
            Assert.Equal(FileKind.Missing, lab.Files.GetKind("/var/shared/copy"));
        }
        finally
        {
            await LocalRoot.RunAsync("umount", lab.HostRoot + "/mnt/src");
        }
    }

    [Fact]
    public async Task CopyTreeAsync_CompareWith_CopiesOnlyWhatDiffersAndVerifiesEmpty()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        files.CreateDirectory("/old/etc");
        files.WriteAllBytes("/old/etc/same", Bytes("same"));
        files.WriteAllBytes("/old/etc/changed", Bytes("before"));
        await LocalRoot.RunAsync("cp", "-a", root.Local("/old"), root.Local("/new"));
        files.WriteAllBytes("/new/etc/changed", Bytes("after"));
        files.WriteAllBytes("/new/etc/added", Bytes("added"));
        var copy = new TreeCopy("/new", "/delta", CompareWith: "/old");

        await files.CopyTreeAsync(copy, Ct);

        Assert.Equal(["added", "changed"], files.List("/delta/etc"));
        Assert.Equal(Bytes("after"), files.ReadAllBytes("/delta/etc/changed"));
        Assert.Empty(await files.VerifyCopyAsync(copy, Ct));
        Assert.Contains($"--compare-dest={root.Local("/old")}", files.DescribeCopy(copy));
    }

    [Fact]
    public async Task VerifyCopyAsync_FileChangedWithSameSizeAndMtime_ReportsIt()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        files.CreateDirectory("/src");
        files.WriteAllBytes("/src/data", Bytes("original"));
        var copy = new TreeCopy("/src", "/copy");
        await files.CopyTreeAsync(copy, Ct);
        files.WriteAllBytes("/copy/data", Bytes("ORIGINAL"));
        await LocalRoot.RunAsync("touch", "-r", root.Local("/src/data"), root.Local("/copy/data"));
        await LocalRoot.RunAsync("touch", "-r", root.Local("/src"), root.Local("/copy"));

        var differences = await files.VerifyCopyAsync(copy, Ct);

        Assert.Equal([">fc........ data"], differences);
    }

    [Fact]
    public async Task VerifyCopyAsync_RootSetuidFileWhoseSourceIsUsers_ReportsIt()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        files.CreateDirectory("/src/bin");
        files.WriteAllBytes("/src/bin/tool", Bytes("#!/bin/sh\n"));
        await LocalRoot.RunAsync("chown", "1234:2345", root.Local("/src/bin/tool"));
        await LocalRoot.RunAsync("chmod", "4755", root.Local("/src/bin/tool"));
        var copy = new TreeCopy("/src", "/copy");
        await files.CopyTreeAsync(copy, Ct);
        await LocalRoot.RunAsync("chown", "0:0", root.Local("/copy/bin/tool"));
        await LocalRoot.RunAsync("chmod", "4755", root.Local("/copy/bin/tool"));

        var differences = await files.VerifyCopyAsync(copy, Ct);

        Assert.Contains(differences, d => d.Contains("owned by root in the copy", StringComparison.Ordinal) && d.EndsWith("bin/tool", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CopyTreeAsync_SourceThroughLink_ThrowsUnsafePathAndMakesNothing()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        files.CreateDirectory("/real/data");
        files.WriteAllBytes("/real/data/file", Bytes("x"));
        files.CreateSymlink("/hop", "real");

        await Assert.ThrowsAsync<UnsafePathException>(() => files.CopyTreeAsync(new TreeCopy("/hop/data", "/copy"), Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => files.CopyTreeAsync(new TreeCopy("/real/data", "/hop/copy"), Ct));

        Assert.Equal(FileKind.Missing, files.GetKind("/copy"));
        Assert.Equal(["data"], files.List("/real"));
    }

    [Fact]
    public async Task CopyTreeAsync_Cancelled_LeavesNoPartialCopy()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        files.CreateDirectory("/src");
        await LocalRoot.RunAsync("truncate", "-s", "8G", root.Local("/src/big"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var copying = files.CopyTreeAsync(new TreeCopy("/src", "/copy"), cts.Token);
        await WaitForAsync(() => files.GetKind("/copy") == FileKind.Directory);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copying);
        Assert.Equal(FileKind.Missing, files.GetKind("/copy"));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        while (!condition()) await Task.Delay(10, Ct);
    }

    private static async Task AssertNoRootSetIdAsync(string tree)
    {
        var found = await LocalRoot.RunAsync("find", tree, "-user", "0", "-perm", "/6000", "-printf", "%P\\n");
        Assert.Equal("", found);
    }
}
