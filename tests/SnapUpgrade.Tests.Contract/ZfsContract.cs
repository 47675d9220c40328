using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// What every <see cref="IZfs"/> must do, as measured on zfs-fuse (TESTING.md). Each test gets a
/// fresh pool from <see cref="CreateHostAsync"/> and disposes it.
/// </summary>
public abstract partial class ZfsContract
{
    protected abstract Task<ITestHost> CreateHostAsync();

    [Fact]
    public async Task ListAsync_EmptyPool_ReturnsOnlyThePoolDataset()
    {
        await using var host = await CreateHostAsync();

        var listing = await host.ListAsync();

        Assert.Equal(host.Pool, listing.Pool.Name);
        Assert.Equal("ONLINE", listing.Pool.Health);
        Assert.Null(listing.Pool.Bootfs);
        Assert.True(listing.Pool.Size > 0 && listing.Pool.Free > 0, $"size {listing.Pool.Size}, free {listing.Pool.Free}");
        var only = Assert.Single(listing.Datasets);
        Assert.Equal(host.Pool, only.Name);
        Assert.Equal(DatasetKind.Filesystem, only.Kind);
        Assert.False(only.Mounted);
    }

    [Fact]
    public async Task Create_WithUserProperties_ListsTypesCreationAndLocalPropertiesOnly()
    {
        await using var host = await CreateHostAsync();
        var layout = host.Layout();
        var before = DateTimeOffset.UtcNow.AddMinutes(-2);

        await host.RunAsync(new ZfsCreate(layout.BeContainer,
            Props(("canmount", "off"), ("mountpoint", "none"), (UserProperties.Keep, "on"))));
        await host.RunAsync(new ZfsCreate(layout.Be("be1"),
            Props(("canmount", "noauto"), (UserProperties.Uuid, "u-1"), (UserProperties.Description, "first one"))));

        var listing = await host.ListAsync();
        var container = listing.Find(layout.BeContainer)!;
        var be = listing.Find(layout.Be("be1"))!;
        Assert.Equal("on", container.Keep);
        Assert.Null(be.Keep); // inherited user properties are not reported
        Assert.Equal("u-1", be.Uuid);
        Assert.Equal("first one", be.Description);
        Assert.Null(be.ParentBe);
        Assert.Equal(DatasetKind.Filesystem, be.Kind);
        Assert.InRange(be.Created, before, DateTimeOffset.UtcNow.AddMinutes(2));
        Assert.Equal(("none", "none"), (container.MountPoint, be.MountPoint));
        Assert.Equal(("off", "noauto"), (container.CanMount, be.CanMount));
        Assert.Null(be.Origin);
    }

    [Theory]
    [InlineData("tab\tinside")]
    [InlineData("two\nlines")]
    [InlineData("ends with a line break\n")]
    [InlineData("\n\t\n")]
    [InlineData("x\tlocal\n{be1}\torg.snapupgrade:uuid\tforged")] // reads as be1's uuid record
    [InlineData("x\tlocal\n{be1}\tmounted\tyes")] // reads as be1's mounted record
    [InlineData("x\tlocal\n{evil}\ttype\tfilesystem")] // reads as a BE the pool does not have
    public async Task List_DescriptionSetOutsideTheConsole_IsReadWholeAndSpoofsNothing(string template)
    {
        await using var host = await CreateHostAsync();
        var layout = host.Layout();
        await host.RunAsync(new ZfsCreate(layout.BeContainer, Props(("canmount", "off"), ("mountpoint", "none"))));
        await host.RunAsync(new ZfsCreate(layout.Be("be1"), Props(("canmount", "noauto"), (UserProperties.Uuid, "u-1"))));
        await host.RunAsync(new ZfsCreate(layout.Be("be2"), Props(("canmount", "noauto"))));
        var description = template.Replace("{be1}", layout.Be("be1")).Replace("{evil}", layout.Be("evil"));

        await host.RunAsync(new ZfsSet(layout.Be("be2"), UserProperties.Description, description));

        var listing = await host.ListAsync();
        Assert.Equal(description, listing.Find(layout.Be("be2"))!.Description);
        var be1 = listing.Find(layout.Be("be1"))!;
        Assert.Equal(("u-1", false, null), (be1.Uuid, be1.Mounted, be1.Description));
        Assert.Null(listing.Find(layout.Be("evil")));
        Assert.Equal(4, listing.Datasets.Count);
    }

    [Fact]
    public async Task Create_WithMountPoint_MountsAtOnceAndReportsTheHostPath()
    {
        await using var host = await CreateHostAsync();
        var shared = host.Layout().SharedDataset;

        await host.RunAsync(new ZfsCreate(shared, Props(("mountpoint", "/var/shared"))));
        host.Files.WriteAllBytes("/var/shared/probe", Bytes("on the shared dataset"));

        var ds = await host.GetAsync(shared);
        Assert.Equal(("/var/shared", true), (ds.MountPoint, ds.Mounted));
        Assert.Equal("on the shared dataset", System.Text.Encoding.UTF8.GetString(host.Files.ReadAllBytes("/var/shared/probe")));
    }

    [Fact]
    public async Task Boot_LabLayout_RootBeMountedAtSlashAndBootfsSet()
    {
        await using var host = await CreateHostAsync();

        var uuid = await host.BootAsync();

        var listing = await host.ListAsync();
        var be = listing.Find(host.Layout().Be("be1"))!;
        Assert.Equal(("/", true, "noauto", uuid), (be.MountPoint, be.Mounted, be.CanMount, be.Uuid));
        Assert.Equal(host.Layout().Be("be1"), listing.Pool.Bootfs);
        Assert.Equal(FileKind.File, host.Files.GetKind("/etc/release"));
    }

    [Fact]
    public async Task Clone_NoautoThenMountPointRoot_StaysUnmountedWithOrigin()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var layout = host.Layout();
        await host.RunAsync(new ZfsSnapshot(layout.Be("be1") + "@s1"));

        var clone = await host.CloneBeAsync(layout.Be("be1") + "@s1", "be2");

        var listing = await host.ListAsync();
        var be2 = listing.Find(clone)!;
        Assert.Equal(("/", false, "noauto"), (be2.MountPoint, be2.Mounted, be2.CanMount));
        Assert.Equal(layout.Be("be1") + "@s1", be2.Origin);
        Assert.True(listing.Find(layout.Be("be1"))!.Mounted, "the booted BE must stay mounted at /");
        var snapshot = listing.Find(layout.Be("be1") + "@s1")!;
        Assert.Equal((DatasetKind.Snapshot, "s1", layout.Be("be1")), (snapshot.Kind, snapshot.SnapshotName, snapshot.FileSystem));
        Assert.Null(snapshot.MountPoint);
    }

    [Fact]
    public async Task Promote_TwoClonesDeep_NoOriginAfterTwoPromotes()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");
        await host.RunAsync(new ZfsSnapshot(l.Be("be2") + "@s2"));
        await host.CloneBeAsync(l.Be("be2") + "@s2", "be3");

        await host.RunAsync(new ZfsPromote(l.Be("be3")));
        var once = await host.ListAsync();
        Assert.Equal(l.Be("be1") + "@s1", once.Find(l.Be("be3"))!.Origin);
        Assert.Equal(l.Be("be3") + "@s2", once.Find(l.Be("be2"))!.Origin);

        await host.RunAsync(new ZfsPromote(l.Be("be3")));
        var twice = await host.ListAsync();
        Assert.Null(twice.Find(l.Be("be3"))!.Origin);
        Assert.Equal(l.Be("be3") + "@s1", twice.Find(l.Be("be1"))!.Origin);
        Assert.Equal(l.Be("be3") + "@s2", twice.Find(l.Be("be2"))!.Origin);
        Assert.Null(twice.Find(l.Be("be1") + "@s1"));
    }

    [Fact]
    public async Task DestroySnapshot_WithClone_ThrowsExitOneAndKeepsIt()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var snap = host.Layout().Be("be1") + "@s1";
        await host.RunAsync(new ZfsSnapshot(snap));
        await host.CloneBeAsync(snap, "be2");

        var error = await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsDestroy(snap)));

        Assert.Equal(1, error.ExitCode);
        Assert.Equal(["zfs", "destroy", snap], error.Argv);
        Assert.NotNull((await host.ListAsync()).Find(snap));
    }

    [Fact]
    public async Task Rename_UnmountedBe_ListsOnlyTheNewName()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");

        await host.RunAsync(new ZfsRename(l.Be("be2"), l.Be("renamed")));

        var listing = await host.ListAsync();
        Assert.Null(listing.Find(l.Be("be2")));
        Assert.Equal(l.Be("be1") + "@s1", listing.Find(l.Be("renamed"))!.Origin);
    }

    [Fact]
    public async Task Rename_OriginOfTheMountedBootedBe_FailsBusyOnlyWhereRenameRemountsClones()
    {
        // Measured on zfs-fuse: after be2 is promoted, the booted be1 is a clone of be2@s1, and
        // `zfs rename be2` tries to unmount that clone (rename remounts dependents); "/" is busy
        // with /var/shared on it. OpenZFS 2.3 leaves the clone mounted and renames (OpenZFS lane).
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");
        await host.RunAsync(new ZfsPromote(l.Be("be2")));
        var rename = new ZfsRename(l.Be("be2"), l.Be("be3"));

        if (host.Zfs.Capabilities.RenameRemountsClones)
        {
            var error = await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(rename));

            Assert.Equal(1, error.ExitCode);
            Assert.True(error.IsBusy, error.StandardError);
            var listing = await host.ListAsync();
            Assert.NotNull(listing.Find(l.Be("be2")));
            Assert.Equal((l.Be("be2") + "@s1", true), (listing.Find(l.Be("be1"))!.Origin, listing.Find(l.Be("be1"))!.Mounted));
        }
        else
        {
            await host.RunAsync(rename);

            var listing = await host.ListAsync();
            Assert.Null(listing.Find(l.Be("be2")));
            Assert.Equal((l.Be("be3") + "@s1", true), (listing.Find(l.Be("be1"))!.Origin, listing.Find(l.Be("be1"))!.Mounted));
        }
    }

    [Fact]
    public async Task SetThenInherit_UserProperty_AppearsThenClears()
    {
        await using var host = await CreateHostAsync();
        var ds = host.Pool + "/data";
        await host.RunAsync(new ZfsCreate(ds, Props(("canmount", "off"))));

        await host.RunAsync(new ZfsSet(ds, UserProperties.Description, "two words, one: colon"));
        Assert.Equal("two words, one: colon", (await host.GetAsync(ds)).Description);

        await host.RunAsync(new ZfsInherit(ds, UserProperties.Description));
        Assert.Null((await host.GetAsync(ds)).Description);
    }

    [Fact]
    public async Task SnapshotRecursive_Tree_SnapshotsEveryChildInOneTransaction()
    {
        await using var host = await CreateHostAsync();
        var top = host.Pool + "/t";
        foreach (var ds in new[] { top, top + "/a", top + "/a/b" })
            await host.RunAsync(new ZfsCreate(ds, Props(("canmount", "off"))));

        await host.RunAsync(new ZfsSnapshot(top + "@r", recursive: true));

        var snaps = (await host.ListAsync()).Datasets.Where(d => d.IsSnapshot).ToList();
        Assert.Equal([top + "/a/b@r", top + "/a@r", top + "@r"], snaps.Select(s => s.Name).Order(StringComparer.Ordinal));
        // One transaction group made them all. Not their creation second: zfs stamps each snapshot as the group syncs,
        // and a sync that crosses a second gives two (OpenZFS under QEMU's emulation, in CI on 2026-12-04).
        Assert.True(Assert.Single(snaps.Select(s => s.CreateTxg).Distinct()) > 0, "every snapshot's createtxg was read");
    }

    [Fact]
    public async Task Snapshot_TwoNames_AtomicOnlyWhereTheBackendSaysSo()
    {
        await using var host = await CreateHostAsync();
        foreach (var ds in new[] { "a", "b" }) await host.RunAsync(new ZfsCreate($"{host.Pool}/{ds}", Props(("canmount", "off"))));
        var both = new ZfsSnapshot([$"{host.Pool}/a@s", $"{host.Pool}/b@s"]);

        if (host.Zfs.Capabilities.MultiSnapshot)
        {
            await host.RunAsync(both);
            Assert.Equal(2, (await host.ListAsync()).Datasets.Count(d => d.IsSnapshot));
        }
        else
        {
            await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(both));
            Assert.DoesNotContain((await host.ListAsync()).Datasets, d => d.IsSnapshot);
        }
    }

    /// <summary>
    /// The console marks its own snapshots on the command that takes them (issue 9: a mark set by a
    /// second command is lost to a crash in between); zfs-fuse takes <c>-o</c> on <c>zfs snapshot</c>
    /// too. A native property cannot be set on a snapshot, and then nothing is taken.
    /// </summary>
    [Fact]
    public async Task Snapshot_WithAUserProperty_IsTakenAlreadyMarked()
    {
        await using var host = await CreateHostAsync();
        await host.RunAsync(new ZfsCreate($"{host.Pool}/a", Props(("canmount", "off"))));

        await host.RunAsync(new ZfsSnapshot($"{host.Pool}/a@s", properties: UserProperties.ConsoleMadeMark));
        await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsSnapshot($"{host.Pool}/a@t", properties: Props(("canmount", "off")))));

        var snapshot = Assert.Single((await host.ListAsync()).Datasets, d => d.IsSnapshot);
        Assert.Equal(($"{host.Pool}/a@s", "on"), (snapshot.Name, snapshot.ConsoleMade));
    }

    /// <summary>Roll-forward's idempotence rests on this: a destroy of what is gone fails (and changes nothing), so the console looks first.</summary>
    [Fact]
    public async Task Destroy_OfWhatIsGone_FailsAndChangesNothing()
    {
        await using var host = await CreateHostAsync();
        var before = await host.ListAsync();

        await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsDestroy($"{host.Pool}/gone", Recursive: true)));

        Assert.Equal(before.Datasets.Select(d => d.Name), (await host.ListAsync()).Datasets.Select(d => d.Name));
    }

    [Fact]
    public async Task Rollback_MountedDataset_RestoresContentAndNeedsDestroyLaterPastNewerSnapshots()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync();
        var shared = host.Layout().SharedDataset;
        host.Files.WriteAllBytes("/var/shared/f", Bytes("v1"));
        await host.RunAsync(new ZfsSnapshot(shared + "@s1"));
        host.Files.WriteAllBytes("/var/shared/f", Bytes("v2"));
        await host.RunAsync(new ZfsSnapshot(shared + "@s2"));

        var refused = await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsRollback(shared + "@s1")));
        Assert.Equal(1, refused.ExitCode);

        await host.RunAsync(new ZfsRollback(shared + "@s1", DestroyLater: true));
        Assert.Equal("v1", System.Text.Encoding.UTF8.GetString(host.Files.ReadAllBytes("/var/shared/f")));
        Assert.Null((await host.ListAsync()).Find(shared + "@s2"));
    }

    [Fact]
    public async Task Bootfs_SetThenCleared_ReadsBack()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");

        await host.RunAsync(new ZpoolSetBootfs(host.Pool, l.Be("be2")));
        Assert.Equal(l.Be("be2"), (await host.ListAsync()).Pool.Bootfs);

        await host.RunAsync(new ZpoolSetBootfs(host.Pool, ""));
        Assert.Null((await host.ListAsync()).Pool.Bootfs);
    }

    [Fact]
    public async Task MountAtA_ClonedBe_FilesVisibleAtHostPathUntilUnmounted()
    {
        await using var host = await CreateHostAsync();
        await host.BootAsync(withShared: false);
        var l = host.Layout();
        await host.RunAsync(new ZfsSnapshot(l.Be("be1") + "@s1"));
        var be2 = await host.CloneBeAsync(l.Be("be1") + "@s1", "be2");

        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(be2));
        host.Files.WriteAllBytes("/a/etc/only-in-be2", Bytes("x"));

        var mounted = await host.GetAsync(be2);
        Assert.Equal(("/a", true), (mounted.MountPoint, mounted.Mounted));
        Assert.Equal(FileKind.File, host.Files.GetKind("/a/etc/release"));
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/etc/only-in-be2"));

        await host.RunAsync(new ZfsUnmount(be2));
        Assert.False((await host.GetAsync(be2)).Mounted);
        Assert.Equal(FileKind.Missing, host.Files.GetKind("/a/etc/release"));
    }

    [Fact]
    public async Task Destroy_FilesystemWithChildren_NeedsRecursive()
    {
        await using var host = await CreateHostAsync();
        var top = host.Pool + "/t";
        await host.RunAsync(new ZfsCreate(top, Props(("canmount", "off"))));
        await host.RunAsync(new ZfsCreate(top + "/child", Props(("canmount", "off"))));

        await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsDestroy(top)));
        await host.RunAsync(new ZfsDestroy(top, Recursive: true));

        Assert.Single((await host.ListAsync()).Datasets);
    }

    [Fact]
    public async Task ListAsync_UnknownPool_ThrowsZfsCommandException()
    {
        await using var host = await CreateHostAsync();

        await Assert.ThrowsAsync<ZfsCommandException>(() => host.Zfs.ListAsync(host.Pool + "nope", Ct));
    }
}
