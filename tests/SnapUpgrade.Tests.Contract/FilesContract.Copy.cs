using SnapUpgrade.Core.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

// CopyTreeAsync / VerifyCopyAsync / DescribeCopy: a faithful copy between datasets.
public abstract partial class FilesContract
{
    /// <summary>
    /// /var/src on the BE: files with other owners and modes (one setuid), a subdirectory of its
    /// own owner and mode, an empty directory, a relative link and a FIFO.
    /// </summary>
    private static void MakeSource(ITestHost host)
    {
        host.Files.CreateDirectory("/var/src/sub/empty");
        host.Files.WriteAllBytes("/var/src/payload.bin", AllBytes);
        host.Files.WriteAllBytes("/var/src/sub/owned", Bytes("someone else's"));
        host.Files.WriteAllBytes("/var/src/sub/tool", Bytes("#!/bin/sh\n"));
        host.Files.CreateSymlink("/var/src/current", "sub/owned");
        host.Process.CreateFifo("/var/src/sub/pipe");
        host.Process.SetOwner("/var/src/sub/owned", 1001, 1002);
        host.Process.SetMode("/var/src/sub/owned", Mode0640);
        host.Process.SetOwner("/var/src/sub/tool", 1001, 1002);
        host.Process.SetMode("/var/src/sub/tool", Mode4755);
        host.Process.SetOwner("/var/src/sub", 5, 6);
        host.Process.SetMode("/var/src/sub", Mode0775);
        host.Process.SetOwner("/var/src/current", 1001, 1002);
        host.Process.SetMode("/var/src", Mode0700);
    }

    [Fact]
    public async Task CopyTree_AcrossDatasets_VerifyIsEmptyAndBytesModesOwnersLinksAndKindsAreKept()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeSource(host);
        var copy = new TreeCopy("/var/src", "/var/shared/copy");

        await host.Files.CopyTreeAsync(copy, Ct);

        Assert.Empty(await host.Files.VerifyCopyAsync(copy, Ct));
        Assert.Equal(AllBytes, host.Files.ReadAllBytes("/var/shared/copy/payload.bin"));
        Assert.Equal("sub/owned", host.Files.ReadLink("/var/shared/copy/current"));
        Assert.Equal(FileKind.Other, host.Files.GetKind("/var/shared/copy/sub/pipe"));
        Assert.Empty(host.Files.List("/var/shared/copy/sub/empty"));
        foreach (var path in new[] { "", "/payload.bin", "/current", "/sub", "/sub/owned", "/sub/tool", "/sub/pipe", "/sub/empty" })
        {
            var source = host.Files.Stat("/var/src" + path)!;
            var target = host.Files.Stat("/var/shared/copy" + path)!;
            Assert.Equal((source.Kind, source.Mode, source.Uid, source.Gid), (target.Kind, target.Mode, target.Uid, target.Gid));
            if (source.Kind != FileKind.Directory) Assert.Equal(source.Size, target.Size);
            Assert.NotEqual(source.Identity, target.Identity);
        }
        Assert.Equal((0x9ED, 1001), (host.Files.Stat("/var/shared/copy/sub/tool")!.Mode, host.Files.Stat("/var/shared/copy/sub/tool")!.Uid));
    }

    [Fact]
    public async Task CopyTree_TargetExists_ThrowsAndLeavesTheTargetAlone()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeSource(host);
        host.Files.CreateDirectory("/var/shared/copy");
        host.Files.WriteAllBytes("/var/shared/copy/mine", Bytes("mine"));

        await Assert.ThrowsAnyAsync<IOException>(() => host.Files.CopyTreeAsync(new TreeCopy("/var/src", "/var/shared/copy"), Ct));

        Assert.Equal(["mine"], host.Files.List("/var/shared/copy"));
    }

    [Fact]
    public async Task CopyTree_TargetParentMissing_ThrowsAndMakesNothing()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeSource(host);

        await Assert.ThrowsAnyAsync<IOException>(() => host.Files.CopyTreeAsync(new TreeCopy("/var/src", "/var/shared/no/copy"), Ct));

        Assert.Equal(FileKind.Missing, host.Files.GetKind("/var/shared/no"));
    }

    [Fact]
    public async Task CopyTree_WithCompareWith_CopiesOnlyChangedAndNewFilesAndNoEmptyDirectories()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/src/a");
        host.Files.CreateDirectory("/var/src/unchanged");
        host.Files.WriteAllBytes("/var/src/a/same", Bytes("same"));
        host.Files.WriteAllBytes("/var/src/a/changed", AllBytes);
        host.Files.WriteAllBytes("/var/src/unchanged/file", Bytes("kept"));
        host.Files.CreateSymlink("/var/src/link", "a/same");
        // The base is itself a faithful copy, so unchanged files match it in every respect rsync checks.
        await host.Files.CopyTreeAsync(new TreeCopy("/var/src", "/var/shared/base"), Ct);
        var changed = AllBytes.ToArray();
        changed[7] ^= 0xFF;
        host.Files.WriteAllBytes("/var/src/a/changed", changed);
        host.Files.CreateDirectory("/var/src/c");
        host.Files.WriteAllBytes("/var/src/c/new", Bytes("new"));
        var delta = new TreeCopy("/var/src", "/var/shared/delta", "/var/shared/base");

        await host.Files.CopyTreeAsync(delta, Ct);

        // "unchanged" is left out as the contract says. Measured with rsync 3 on zfs-fuse: the
        // RsyncCommand argv alone still makes it (-m prunes by the sender's list, before
        // --compare-dest skips anything), so an adapter has to prune what ends up empty itself.
        Assert.Equal(["a", "c"], host.Files.List("/var/shared/delta"));
        Assert.Equal(["changed"], host.Files.List("/var/shared/delta/a"));
        Assert.Equal(changed, host.Files.ReadAllBytes("/var/shared/delta/a/changed"));
        Assert.Equal(Bytes("new"), host.Files.ReadAllBytes("/var/shared/delta/c/new"));
        Assert.Empty(await host.Files.VerifyCopyAsync(delta, Ct));
    }

    [Fact]
    public async Task VerifyCopy_OneByteChangedKeepingTheSize_ReportsThatFile()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeSource(host);
        var copy = new TreeCopy("/var/src", "/var/shared/copy");
        await host.Files.CopyTreeAsync(copy, Ct);
        var tampered = AllBytes.ToArray();
        tampered[200] ^= 1;

        host.Files.WriteAllBytes("/var/shared/copy/payload.bin", tampered);

        var differences = await host.Files.VerifyCopyAsync(copy, Ct);
        Assert.Contains(differences, d => d.Contains("payload.bin", StringComparison.Ordinal));
        Assert.DoesNotContain(differences, d => d.Contains("owned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyCopy_OwnerOrModeChanged_ReportsThoseFiles()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeSource(host);
        var copy = new TreeCopy("/var/src", "/var/shared/copy");
        await host.Files.CopyTreeAsync(copy, Ct);

        host.Process.SetOwner("/var/shared/copy/sub/owned", 0, 0);
        host.Process.SetMode("/var/shared/copy/payload.bin", Mode0700);

        var differences = await host.Files.VerifyCopyAsync(copy, Ct);
        Assert.Contains(differences, d => d.Contains("sub/owned", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.Contains("payload.bin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task VerifyCopy_FileMissingInTheCopy_ReportsIt()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        MakeSource(host);
        var copy = new TreeCopy("/var/src", "/var/shared/copy");
        await host.Files.CopyTreeAsync(copy, Ct);

        host.Files.Delete("/var/shared/copy/sub/owned");

        Assert.Contains(await host.Files.VerifyCopyAsync(copy, Ct), d => d.Contains("sub/owned", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DescribeCopy_WithCompareWith_IsRsyncKeepingOwnersWithHostPaths()
    {
        await using var host = await CreateHostAsync();

        var argv = host.Files.DescribeCopy(new TreeCopy("/var/src", "/var/shared/delta", "/var/shared/base"));

        Assert.Equal("rsync", argv[0]);
        Assert.Contains("-aHS", argv);
        Assert.Contains("--numeric-ids", argv);
        Assert.Contains("--compare-dest=/var/shared/base", argv);
        Assert.Equal(["/var/src/", "/var/shared/delta/"], argv.TakeLast(2));
    }
}
