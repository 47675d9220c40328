using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// Links put where the console works, pointing at a canary it must never touch: every method of
/// <see cref="LocalFiles"/> refuses them (with openat2 and with the component walk of older kernels),
/// and the canary is proved unchanged by listing it with find before and after.
/// </summary>
public sealed class LocalFilesLinkTests
{
    private static readonly Func<LocalFiles, Task>[] EveryMethodThroughHop =
    [
        f => Task.FromResult(f.GetKind("/hop/file")),
        f => Task.FromResult(f.Stat("/hop/file")),
        f => Task.FromResult(f.ReadLink("/hop/file")),
        f => Task.FromResult(f.List("/hop")),
        f => Task.FromResult(f.List("/hop/sub")),
        f => Run(() => f.CreateDirectory("/hop/new/deeper")),
        f => Run(() => f.CreateSymlink("/hop/new-link", "/etc")),
        f => Task.FromResult(f.ReadAllBytes("/hop/file")),
        f => Run(() => f.WriteAllBytes("/hop/file", Bytes("overwritten"))),
        f => Run(() => f.WriteAllBytes("/hop/new-file", Bytes("planted"))),
        f => Run(() => f.AppendAllBytes("/hop/file", Bytes("appended"))),
        f => Task.FromResult(f.SameContent("/hop/file", "/work/file")),
        f => Task.FromResult(f.SameContent("/work/file", "/hop/file")),
        f => Run(() => f.Rename("/hop/file", "/work/stolen")),
        f => Run(() => f.Rename("/work/file", "/hop/planted")),
        f => Task.FromResult(f.GetXattr("/hop/file", "user.origin")),
        f => Run(() => f.Replace("/hop/file", "/work/file")),
        f => Run(() => f.Replace("/work/file", "/hop/file")),
        f => Run(() => f.Exchange("/hop/file", "/work/file")),
        f => Run(() => f.Exchange("/work/file", "/hop/file")),
        f => Run(() => f.Delete("/hop/file")),
        f => Run(() => f.DeleteTree("/hop/sub")),
        f => f.CopyTreeAsync(new TreeCopy("/hop/sub", "/work/copy"), Ct),
        f => f.CopyTreeAsync(new TreeCopy("/work", "/hop/copy"), Ct),
        f => f.CopyTreeAsync(new TreeCopy("/work", "/copy", CompareWith: "/hop"), Ct),
        f => f.VerifyCopyAsync(new TreeCopy("/hop", "/work"), Ct),
        f => Task.FromResult(f.DescribeCopy(new TreeCopy("/work", "/hop/copy"))),
    ];

    public static TheoryData<PathResolution, int> Methods() =>
        new(from resolution in Enum.GetValues<PathResolution>()
            from index in Enumerable.Range(0, EveryMethodThroughHop.Length)
            select (resolution, index));

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task EveryMethod_LinkInTheMiddleOfThePath_ThrowsUnsafePathAndLeavesTheCanary(PathResolution resolution, int method)
    {
        await using var root = LocalRoot.Create();
        var files = await CanaryHostAsync(root, resolution);
        var before = await CanaryAsync(root);

        await Assert.ThrowsAsync<UnsafePathException>(() => EveryMethodThroughHop[method](files));

        Assert.Equal(before, await CanaryAsync(root));
        Assert.Equal(["file"], files.List("/work"));
    }

    [Theory]
    [InlineData(PathResolution.Openat2)]
    [InlineData(PathResolution.ComponentWalk)]
    public async Task FileAndDirectoryMethods_LinkInTheLastComponent_RefuseAndLeaveTheTarget(PathResolution resolution)
    {
        await using var root = LocalRoot.Create();
        var files = await CanaryHostAsync(root, resolution);
        files.CreateSymlink("/work/file-link", root.Local("/canary/file"));
        files.CreateSymlink("/work/dir-link", root.Local("/canary"));
        var before = await CanaryAsync(root);

        Assert.Throws<UnsafePathException>(() => files.ReadAllBytes("/work/file-link"));
        Assert.Throws<UnsafePathException>(() => files.WriteAllBytes("/work/file-link", Bytes("overwritten")));
        Assert.Throws<UnsafePathException>(() => files.AppendAllBytes("/work/file-link", Bytes("appended")));
        Assert.Throws<UnsafePathException>(() => files.List("/work/dir-link"));
        Assert.Throws<UnsafePathException>(() => files.CreateDirectory("/work/dir-link"));
        Assert.Throws<UnsafePathException>(() => files.CreateDirectory("/work/dir-link/new"));

        Assert.Equal(before, await CanaryAsync(root));
        Assert.Equal(FileKind.Symlink, files.GetKind("/work/file-link"));
        Assert.Equal(root.Local("/canary"), files.ReadLink("/work/dir-link"));
    }

    [Fact]
    public async Task DeleteTree_TreeHoldingLinksToCanaries_RemovesTheLinksNotTheirTargets()
    {
        await using var root = LocalRoot.Create();
        var files = await CanaryHostAsync(root, PathResolution.Openat2);
        files.CreateDirectory("/work/staging/nested");
        files.WriteAllBytes("/work/staging/nested/data", Bytes("mine"));
        files.CreateSymlink("/work/staging/to-dir", root.Local("/canary"));
        files.CreateSymlink("/work/staging/nested/to-file", root.Local("/canary/file"));
        var before = await CanaryAsync(root);

        files.DeleteTree("/work/staging");

        Assert.Equal(FileKind.Missing, files.GetKind("/work/staging"));
        Assert.Equal(before, await CanaryAsync(root));
    }

    [Fact]
    public async Task DeleteTree_LinkItself_RemovesOnlyTheLink()
    {
        await using var root = LocalRoot.Create();
        var files = await CanaryHostAsync(root, PathResolution.Openat2);
        var before = await CanaryAsync(root);

        files.DeleteTree("/hop");

        Assert.Equal(FileKind.Missing, files.GetKind("/hop"));
        Assert.Equal(before, await CanaryAsync(root));
    }

    [Fact]
    public async Task Rename_TargetExists_ThrowsEexistAndKeepsBoth()
    {
        await using var root = LocalRoot.Create();
        var files = await CanaryHostAsync(root, PathResolution.Openat2);
        files.WriteAllBytes("/work/other", Bytes("other"));
        files.CreateDirectory("/work/dir/inside");
        files.CreateDirectory("/work/empty");

        Assert.Equal(17, Assert.ThrowsAny<IOException>(() => files.Rename("/work/file", "/work/other")).HResult);
        Assert.Equal(17, Assert.ThrowsAny<IOException>(() => files.Rename("/work/dir", "/work/empty")).HResult);

        Assert.Equal(Bytes("canary of work"), files.ReadAllBytes("/work/file"));
        Assert.Equal(Bytes("other"), files.ReadAllBytes("/work/other"));
        Assert.Equal(["inside"], files.List("/work/dir"));
    }

    [Fact]
    public async Task CreateDirectoryAndWriteAllBytes_NewEntries_GetTheirModes()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        files.CreateDirectory("/a");

        files.CreateDirectory("/a/b/c", UnixFileMode.SetGroup | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        files.WriteAllBytes("/a/file", Bytes("new"));

        // The file's 0644 goes through the umask (022 or 002 here); the directories' modes do not.
        Assert.Equal("755\n2773\n2773\n644\n", await LocalRoot.RunAsync("stat", "-c", "%a",
            root.Local("/a"), root.Local("/a/b"), root.Local("/a/b/c"), root.Local("/a/file")));
    }

    [Fact]
    public async Task ReadAllBytes_Fifo_RefusesWithoutBlocking()
    {
        await using var root = LocalRoot.Create();
        var files = new LocalFiles(root.HostRoot);
        await LocalRoot.RunAsync("mkfifo", root.Local("/fifo"));

        Assert.ThrowsAny<IOException>(() => files.ReadAllBytes("/fifo"));
        Assert.Equal(FileKind.Other, files.GetKind("/fifo"));
    }

    private static Task Run(Action action)
    {
        action();
        return Task.CompletedTask;
    }

    /// <summary>/canary (a file, a subdirectory), /hop a link to it, /work a real directory with a file.</summary>
    private static async Task<LocalFiles> CanaryHostAsync(LocalRoot root, PathResolution resolution)
    {
        Directory.CreateDirectory(root.Local("/canary/sub"));
        await File.WriteAllTextAsync(root.Local("/canary/file"), "canary", Ct);
        await File.WriteAllTextAsync(root.Local("/canary/sub/inner"), "inner canary", Ct);
        Directory.CreateDirectory(root.Local("/work"));
        await File.WriteAllTextAsync(root.Local("/work/file"), "canary of work", Ct);
        File.CreateSymbolicLink(root.Local("/hop"), root.Local("/canary"));
        return new LocalFiles(root.HostRoot, resolution: resolution);
    }

    /// <summary>The canary as find sees it: names, types, sizes, modes, times (any write changes a time).</summary>
    private static Task<string> CanaryAsync(LocalRoot root) =>
        LocalRoot.RunAsync("find", root.Local("/canary"), "-printf", "%P %y %s %m %T@ %C@\\n");
}
