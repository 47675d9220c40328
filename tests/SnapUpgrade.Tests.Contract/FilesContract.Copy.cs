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
    public async Task CopyTree_WithCompareWith_CopiesOnlyChangedAndNewFilesAndMakesEveryDirectoryHoldingFiles()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        host.Files.CreateDirectory("/var/src/a");
        host.Files.CreateDirectory("/var/src/unchanged/deeper");
        host.Files.CreateDirectory("/var/src/no-files/inside");
        host.Files.WriteAllBytes("/var/src/a/same", Bytes("same"));
        host.Files.WriteAllBytes("/var/src/a/changed", AllBytes);
        host.Files.WriteAllBytes("/var/src/unchanged/deeper/file", Bytes("kept"));
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

        // As rsync does it (measured with rsync 3.5.0 on zfs-fuse): --prune-empty-dirs prunes by the
        // source's file list, before --compare-dest leaves anything out. So "unchanged" and its
        // "deeper" are made though all their files were left out, and "no-files", which has no
        // file below it at all, is not. Unchanged files and the link are not copied.
        Assert.Equal(["a", "c", "unchanged"], host.Files.List("/var/shared/delta"));
        Assert.Equal(["changed"], host.Files.List("/var/shared/delta/a"));
        Assert.Equal(["deeper"], host.Files.List("/var/shared/delta/unchanged"));
        Assert.Empty(host.Files.List("/var/shared/delta/unchanged/deeper"));
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
        await host.BootAsync();

        var argv = host.Files.DescribeCopy(new TreeCopy("/var/src", "/var/shared/delta", "/var/shared/base"));

        // rsync -aHSx, then -A and -X where the target's file system keeps them, then --numeric-ids.
        Assert.Equal(["rsync", "-aHSx"], argv.Take(2));
        var attributes = argv.Skip(2).TakeWhile(a => a is "-A" or "-X").ToList();
        Assert.True(attributes is [] or ["-A"] or ["-X"] or ["-A", "-X"], string.Join(' ', argv));
        Assert.Equal("--numeric-ids", argv[2 + attributes.Count]);
        // Host paths, written alike for all three (the real adapter puts its host root before them).
        Assert.EndsWith("/var/src/", argv[^2]);
        var root = argv[^2][..^"/var/src/".Length];
        Assert.Equal([$"{root}/var/src/", $"{root}/var/shared/delta/"], argv.TakeLast(2));
        Assert.Single(argv, a => a.StartsWith("--compare-dest", StringComparison.Ordinal));
        Assert.Contains($"--compare-dest={root}/var/shared/base", argv);
    }
}
