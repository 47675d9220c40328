using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>destroy, rename, rollback, mount/unmount, bootfs: zfs's semantics and its refusals.</summary>
public sealed class LifecycleCommandTests
{
    private static readonly string Be1 = Layout.Be("be1");

    private static Task<ZfsCommandException> RefusedAsync(SimulatedZfs host, ZfsCommand command) =>
        Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(command));

    private static async Task<SimulatedZfs> WithCloneAsync()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Be1 + "@s"));
        await host.CloneBeAsync(Be1 + "@s", "be2");
        return host;
    }

    [Fact]
    public async Task Destroy_FileSystemWhoseSnapshotHasAClone_RefusedEvenRecursive()
    {
        var host = await WithCloneAsync();

        var plain = await RefusedAsync(host, new ZfsDestroy(Be1));
        var recursive = await RefusedAsync(host, new ZfsDestroy(Be1, Recursive: true));

        Assert.Contains("filesystem has children", plain.StandardError);
        Assert.Contains("dependent clones", recursive.StandardError);
        Assert.NotNull(await host.FindAsync(Be1 + "@s"));
    }

    [Fact]
    public async Task Destroy_MountedLeaf_UnmountsAndRemovesItAndItsFiles()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/f", Bytes("x"));

        await host.RunAsync(new ZfsDestroy(Layout.SharedDataset));

        Assert.Null(await host.FindAsync(Layout.SharedDataset));
        Assert.Equal(FileKind.Directory, host.GetKind("/var/shared"));
        Assert.Empty(host.List("/var/shared"));
    }

    [Fact]
    public async Task Destroy_BootedBeWithMountBelowFromOutside_IsBusy()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Be1 + "@s"));

        var error = await RefusedAsync(host, new ZfsDestroy(Be1, Recursive: true));

        Assert.True(error.IsBusy, error.StandardError);
        Assert.NotNull(await host.FindAsync(Be1 + "@s"));
    }

    [Fact]
    public async Task Destroy_Recursive_TakesChildrenAndSnapshotsAndClearsBootfs()
    {
        var host = await WithCloneAsync();
        var be2 = Layout.Be("be2");
        await host.RunAsync(new ZfsCreate(be2 + "/child", Props(("canmount", "off"))));
        await host.RunAsync(new ZfsSnapshot(be2 + "@mine", recursive: true));
        await host.RunAsync(new ZpoolSetBootfs(Pool, be2));

        await host.RunAsync(new ZfsDestroy(be2, Recursive: true));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.DoesNotContain(listing.Datasets, d => d.Name.StartsWith(be2, StringComparison.Ordinal));
        Assert.Null(listing.Pool.Bootfs);
    }

    [Fact]
    public async Task DestroySnapshot_Missing_SaysItDoesNotExist()
    {
        var host = await BootedAsync();

        var error = await RefusedAsync(host, new ZfsDestroy(Be1 + "@nope"));

        Assert.Contains("does not exist", error.StandardError);
    }

    [Fact]
    public async Task Rename_Mounted_IsBusy_Unmounted_CarriesChildrenSnapshotsOriginsAndBootfs()
    {
        var host = await WithCloneAsync();
        Assert.True((await RefusedAsync(host, new ZfsRename(Be1, Layout.Be("x")))).IsBusy);
        var be2 = Layout.Be("be2");
        await host.RunAsync(new ZfsCreate(be2 + "/child", Props(("canmount", "off"))));
        await host.RunAsync(new ZfsSnapshot(be2 + "@mine"));
        await host.RunAsync(new ZfsSnapshot(be2 + "@later"));
        await host.CloneBeAsync(be2 + "@mine", "be3");
        await host.RunAsync(new ZpoolSetBootfs(Pool, be2));

        await host.RunAsync(new ZfsRename(be2, Layout.Be("renamed")));

        var listing = await host.ListAsync(Pool, Ct);
        var renamed = Layout.Be("renamed");
        Assert.NotNull(listing.Find(renamed + "/child"));
        Assert.Equal(renamed + "@mine", listing.Find(Layout.Be("be3"))!.Origin);
        Assert.Equal(Be1 + "@s", listing.Find(renamed)!.Origin);
        Assert.Equal(renamed, listing.Pool.Bootfs);
        Assert.DoesNotContain(listing.Datasets, d => d.Name.StartsWith(be2, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rollback_LaterSnapshotHasClone_RefusedEvenWithDestroyLater()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Be1 + "@old"));
        await host.RunAsync(new ZfsSnapshot(Be1 + "@new"));
        await host.CloneBeAsync(Be1 + "@new", "be2");

        var plain = await RefusedAsync(host, new ZfsRollback(Be1 + "@old"));
        var forced = await RefusedAsync(host, new ZfsRollback(Be1 + "@old", DestroyLater: true));

        Assert.Contains("more recent snapshots exist", plain.StandardError);
        Assert.Contains("clones of previous snapshots exist", forced.StandardError);
        Assert.NotNull(await host.FindAsync(Be1 + "@new"));
    }

    [Fact]
    public async Task Rollback_LatestSnapshot_RestoresFilesWithoutDestroyLater()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Be1 + "@s"));
        host.WriteAllBytes("/etc/release", Bytes("changed"));
        host.Delete("/var/mail/root");

        await host.RunAsync(new ZfsRollback(Be1 + "@s"));

        Assert.Equal("SnapUpgrade lab host, BE be1\n", Text(host.ReadAllBytes("/etc/release")));
        Assert.Equal(["root"], host.List("/var/mail"));
        Assert.True((await host.FindAsync(Be1))!.Mounted);
    }

    [Fact]
    public async Task Unmount_ParentWithMountedDescendant_TakesTheDescendantDownToo()
    {
        var host = NewHost();
        await host.RunAsync(new ZfsCreate($"{Pool}/m", Props(("mountpoint", "/m"))));
        await host.RunAsync(new ZfsCreate($"{Pool}/m/kid"));

        await host.RunAsync(new ZfsUnmount($"{Pool}/m"));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.Equal((false, false), (listing.Find($"{Pool}/m")!.Mounted, listing.Find($"{Pool}/m/kid")!.Mounted));
    }

    [Fact]
    public async Task Unmount_WithNestedMount_BusyUnlessForced()
    {
        var host = await BootedAsync();

        var error = await RefusedAsync(host, new ZfsUnmount(Be1));
        Assert.True(error.IsBusy, error.StandardError);

        await host.RunAsync(new ZfsUnmount(Be1, Force: true));
        var listing = await host.ListAsync(Pool, Ct);
        Assert.False(listing.Find(Be1)!.Mounted);
        Assert.False(listing.Find(Layout.SharedDataset)!.Mounted);
        Assert.Equal(FileKind.Missing, host.GetKind("/etc"));
    }

    [Fact]
    public async Task Mount_RefusalsForCanmountOffNoneLegacyAndAlreadyMounted()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsCreate($"{Pool}/nomp", Props(("mountpoint", "none"))));
        await host.RunAsync(new ZfsCreate($"{Pool}/legacy", Props(("mountpoint", "legacy"))));

        Assert.Contains("'canmount' property is set to 'off'", (await RefusedAsync(host, new ZfsMount(Layout.BeContainer))).StandardError);
        Assert.Contains("no mountpoint set", (await RefusedAsync(host, new ZfsMount($"{Pool}/nomp"))).StandardError);
        Assert.Contains("legacy mountpoint", (await RefusedAsync(host, new ZfsMount($"{Pool}/legacy"))).StandardError);
        Assert.Contains("already mounted", (await RefusedAsync(host, new ZfsMount(Be1))).StandardError);
        Assert.Contains("not currently mounted", (await RefusedAsync(host, new ZfsUnmount($"{Pool}/legacy"))).StandardError);
    }

    [Fact]
    public async Task SimulatedReboot_UnmountOldMountNew_ShowsTheNewBesFilesAtRoot()
    {
        var host = await WithCloneAsync();
        await host.RunAsync(new ZfsSet(Layout.Be("be2"), "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(Layout.Be("be2")));
        host.WriteAllBytes("/a/etc/release", Bytes("be2\n"));
        await host.RunAsync(new ZfsUnmount(Layout.Be("be2")));
        await host.RunAsync(new ZfsSet(Layout.Be("be2"), "mountpoint", "/"));

        await host.RunAsync(new ZfsUnmount(Layout.SharedDataset));
        await host.RunAsync(new ZfsUnmount(Be1));
        await host.RunAsync(new ZfsMount(Layout.Be("be2")));
        await host.RunAsync(new ZfsMount(Layout.SharedDataset));

        Assert.Equal("be2\n", Text(host.ReadAllBytes("/etc/release")));
        var listing = await host.ListAsync(Pool, Ct);
        Assert.Equal((false, true), (listing.Find(Be1)!.Mounted, listing.Find(Layout.Be("be2"))!.Mounted));
    }

    [Fact]
    public async Task SetBootfs_SnapshotMissingOrOtherPool_Refused()
    {
        var host = await WithCloneAsync();

        await RefusedAsync(host, new ZpoolSetBootfs(Pool, Be1 + "@s"));
        await RefusedAsync(host, new ZpoolSetBootfs(Pool, Layout.Be("nope")));
        await RefusedAsync(host, new ZpoolSetBootfs(Pool, "elsewhere/ROOT/be1"));
        await RefusedAsync(host, new ZpoolSetBootfs("elsewhere", Be1));

        Assert.Equal(Be1, (await host.ListAsync(Pool, Ct)).Pool.Bootfs);
    }
}
