using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// What deep BEs (a root with child datasets, as bectl and zsys make them) rely on: a recursive
/// snapshot, clones of children under an unmounted root, promote of a child clone, and rename,
/// mount and destroy of a whole tree.
/// </summary>
public abstract partial class ZfsContract
{
    [Fact]
    public async Task SnapshotRecursive_DeepBe_TakesEveryDescendantMarkedInOneCall()
    {
        await using var host = await DeepHostAsync();
        var be1 = host.Layout().Be("be1");

        await host.RunAsync(new ZfsSnapshot($"{be1}@s1", recursive: true, UserProperties.ConsoleMadeMark));

        var listing = await host.ListAsync();
        foreach (var name in LabBootstrap.DeepChildren.Select(c => $"{be1}/{c}").Prepend(be1))
            Assert.Equal("on", listing.Find($"{name}@s1")?.ConsoleMade);
        Assert.Equal(LabBootstrap.DeepChildren.Count + 1, listing.Datasets.Count(d => d.SnapshotName == "s1"));
    }

    [Fact]
    public async Task CloneChildren_UnderUnmountedRootThenRootMountPoint_MountsNothingAndChildrenInherit()
    {
        await using var host = await DeepHostAsync();
        var be1 = host.Layout().Be("be1");
        var be2 = host.Layout().Be("be2");

        await CloneDeepAsync(host, be1, "s1", be2);

        var listing = await host.ListAsync();
        Assert.DoesNotContain(listing.Datasets, d => d.Name.StartsWith(be2, StringComparison.Ordinal) && d.Mounted);
        Assert.Equal("/usr", listing.Find($"{be2}/usr")!.MountPoint);
        Assert.Equal("/var/lib/dpkg", listing.Find($"{be2}/var/lib/dpkg")!.MountPoint);
        Assert.Equal(LabBootstrap.DeepHomeMountPoint, listing.Find($"{be2}/home")!.MountPoint);
        Assert.Equal(("off", "noauto"), (listing.Find($"{be2}/var")!.CanMount, listing.Find($"{be2}/usr")!.CanMount));
        Assert.Equal($"{be1}/var/lib@s1", listing.Find($"{be2}/var/lib")!.Origin);
        Assert.True(listing.Find($"{be1}/usr")!.Mounted, "the booted BE's children stay mounted");
    }

    [Fact]
    public async Task MountTree_ParentsFirstAtAnAlternateRoot_ShowsEachChildsFilesThere()
    {
        await using var host = await DeepHostAsync();
        var be2 = host.Layout().Be("be2");
        await CloneDeepAsync(host, host.Layout().Be("be1"), "s1", be2);

        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(be2));
        foreach (var child in new[] { "usr", "var/lib", "var/lib/dpkg" }) await host.RunAsync(new ZfsMount($"{be2}/{child}"));

        var listing = await host.ListAsync();
        Assert.Equal(("/a/var/lib", true), (listing.Find($"{be2}/var/lib")!.MountPoint, listing.Find($"{be2}/var/lib")!.Mounted));
        Assert.Equal("var/lib/dpkg\n", System.Text.Encoding.UTF8.GetString(host.Files.ReadAllBytes($"/a/var/lib/dpkg/{LabBootstrap.ChildMarker}")));
        Assert.Equal("usr\n", System.Text.Encoding.UTF8.GetString(host.Files.ReadAllBytes($"/a/usr/{LabBootstrap.ChildMarker}")));

        foreach (var child in new[] { "var/lib/dpkg", "var/lib", "usr" }) await host.RunAsync(new ZfsUnmount($"{be2}/{child}"));
        await host.RunAsync(new ZfsUnmount(be2));
        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/"));
        Assert.DoesNotContain((await host.ListAsync()).Datasets, d => d.Name.StartsWith(be2, StringComparison.Ordinal) && d.Mounted);
    }

    [Fact]
    public async Task PromoteChildClone_TakesOverItsOriginsSnapshotLikeARoot()
    {
        await using var host = await DeepHostAsync();
        var be1 = host.Layout().Be("be1");
        var be2 = host.Layout().Be("be2");
        await CloneDeepAsync(host, be1, "s1", be2);

        await host.RunAsync(new ZfsPromote($"{be2}/var/lib"));

        var listing = await host.ListAsync();
        Assert.Null(listing.Find($"{be2}/var/lib")!.Origin);
        Assert.Equal($"{be2}/var/lib@s1", listing.Find($"{be1}/var/lib")!.Origin);
        Assert.Null(listing.Find($"{be1}/var/lib@s1"));
        Assert.Equal($"{be1}/usr@s1", listing.Find($"{be2}/usr")!.Origin);
    }

    [Fact]
    public async Task RenameRoot_DeepBe_RenamesChildrenAndTheirSnapshotsKeepingOrigins()
    {
        await using var host = await DeepHostAsync();
        var be1 = host.Layout().Be("be1");
        var be2 = host.Layout().Be("be2");
        var be9 = host.Layout().Be("be9");
        await CloneDeepAsync(host, be1, "s1", be2);
        await host.RunAsync(new ZfsSnapshot($"{be2}@s2", recursive: true));

        await host.RunAsync(new ZfsRename(be2, be9));

        var listing = await host.ListAsync();
        Assert.DoesNotContain(listing.Datasets, d => d.Name.StartsWith(be2, StringComparison.Ordinal));
        Assert.Equal($"{be1}/var/lib/dpkg@s1", listing.Find($"{be9}/var/lib/dpkg")!.Origin);
        Assert.NotNull(listing.Find($"{be9}/var/lib/dpkg@s2"));
        Assert.Equal(LabBootstrap.DeepHomeMountPoint, listing.Find($"{be9}/home")!.MountPoint);
    }

    [Fact]
    public async Task DestroyRecursive_DeepBeClone_TakesItsTreeAndLeavesTheOriginsSnapshots()
    {
        await using var host = await DeepHostAsync();
        var be1 = host.Layout().Be("be1");
        var be2 = host.Layout().Be("be2");
        await CloneDeepAsync(host, be1, "s1", be2);

        await host.RunAsync(new ZfsDestroy(be2, Recursive: true));

        var listing = await host.ListAsync();
        Assert.DoesNotContain(listing.Datasets, d => d.Name.StartsWith(be2, StringComparison.Ordinal));
        Assert.Equal(LabBootstrap.DeepChildren.Count + 1, listing.Datasets.Count(d => d.SnapshotName == "s1"));
        await host.RunAsync(new ZfsDestroy($"{be1}@s1", Recursive: true));
        Assert.DoesNotContain((await host.ListAsync()).Datasets, d => d.IsSnapshot);
    }

    /// <summary>A booted lab host whose BE be1 has the children of <see cref="LabBootstrap.AddChildrenAsync"/>.</summary>
    private async Task<ITestHost> DeepHostAsync()
    {
        var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        await LabBootstrap.AddChildrenAsync(host.Zfs, host.Files, host.Pool, "be1", Ct);
        return host;
    }

    /// <summary>
    /// How the console clones a deep BE: one recursive snapshot, the root and every child cloned
    /// noauto (a container off) while the root has no mountpoint, then the root's mountpoint, then a
    /// child's own one.
    /// </summary>
    private static async Task CloneDeepAsync(ITestHost host, string from, string snapshot, string to)
    {
        await host.RunAsync(new ZfsSnapshot($"{from}@{snapshot}", recursive: true));
        await host.RunAsync(new ZfsClone($"{from}@{snapshot}", to, Props(("canmount", "noauto"))));
        foreach (var child in LabBootstrap.DeepChildren)
            await host.RunAsync(new ZfsClone($"{from}/{child}@{snapshot}", $"{to}/{child}", Props(("canmount", child == "var" ? "off" : "noauto"))));
        await host.RunAsync(new ZfsSet(to, "mountpoint", "/"));
        await host.RunAsync(new ZfsSet($"{to}/home", "mountpoint", LabBootstrap.DeepHomeMountPoint));
    }
}
