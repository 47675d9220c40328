using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>create, snapshot, clone, set/inherit: zfs's semantics and its refusals.</summary>
public sealed class DatasetCommandTests
{
    private static Task<ZfsCommandException> RefusedAsync(SimulatedZfs host, ZfsCommand command) =>
        Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(command));

    [Fact]
    public async Task Create_Existing_MissingParent_BadName_RefusedWithZfsWords()
    {
        var host = NewHost();

        Assert.Contains("dataset already exists", (await RefusedAsync(host, new ZfsCreate(Pool))).StandardError);
        Assert.Contains("parent does not exist", (await RefusedAsync(host, new ZfsCreate($"{Pool}/a/b"))).StandardError);
        Assert.Contains("invalid character", (await RefusedAsync(host, new ZfsCreate($"{Pool}/a b"))).StandardError);
        Assert.Contains("no such pool", (await RefusedAsync(host, new ZfsCreate("other/a"))).StandardError);
        Assert.Contains("invalid property", (await RefusedAsync(host, new ZfsCreate($"{Pool}/a", Props(("colour", "red"))))).StandardError);
        Assert.Single((await host.ListAsync(Pool, Ct)).Datasets);
    }

    [Fact]
    public async Task Create_ChildOfMountedParent_InheritsMountPointWithItsNameAndMounts()
    {
        var host = NewHost();
        await host.RunAsync(new ZfsCreate($"{Pool}/zones", Props(("mountpoint", "/zones"))));

        await host.RunAsync(new ZfsCreate($"{Pool}/zones/web"));
        await host.RunAsync(new ZfsCreate($"{Pool}/zones/web/ROOT", Props(("canmount", "off"), ("mountpoint", "none"))));
        await host.RunAsync(new ZfsCreate($"{Pool}/zones/web/ROOT/be"));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.Equal(("/zones/web", true), Describe(listing.Find($"{Pool}/zones/web")!));
        Assert.Equal(("none", false), Describe(listing.Find($"{Pool}/zones/web/ROOT/be")!));
        Assert.Equal(["web"], host.List("/zones"));
    }

    [Fact]
    public async Task Clone_GivenMountPoint_MountsUnlessCanmountOffEvenNoautoLikeZfsFuse()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));

        await host.RunAsync(new ZfsClone(Layout.Be("be1") + "@s", Layout.Be("noauto"),
            Props(("mountpoint", "/noauto"), ("canmount", "noauto"))));
        await host.RunAsync(new ZfsClone(Layout.Be("be1") + "@s", Layout.Be("off"),
            Props(("mountpoint", "/off"), ("canmount", "off"))));

        Assert.True((await host.FindAsync(Layout.Be("noauto")))!.Mounted);
        Assert.False((await host.FindAsync(Layout.Be("off")))!.Mounted);
        Assert.Equal(FileKind.File, host.GetKind("/noauto/etc/release"));
    }

    [Fact]
    public async Task Create_NoautoWithMountPoint_DoesNotMount()
    {
        var host = await BootedAsync();

        await host.RunAsync(new ZfsCreate($"{Pool}/data", Props(("mountpoint", "/data"), ("canmount", "noauto"))));

        Assert.False((await host.FindAsync($"{Pool}/data"))!.Mounted);
    }

    [Fact]
    public async Task Clone_MountPointRootWhileBooted_IsCreatedButNotMounted()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));

        var error = await RefusedAsync(host, new ZfsClone(Layout.Be("be1") + "@s", Layout.Be("be2"),
            Props(("mountpoint", "/"), ("canmount", "noauto"))));

        Assert.Equal(1, error.ExitCode);
        Assert.Contains("directory is not empty", error.StandardError);
        Assert.Contains("filesystem successfully created, but not mounted", error.StandardError);
        Assert.False((await host.FindAsync(Layout.Be("be2")))!.Mounted);
    }

    [Fact]
    public async Task SetMountPoint_FromNoneWithCanmountOn_MountsItAndInheritingChildren()
    {
        var host = NewHost();
        await host.RunAsync(new ZfsCreate($"{Pool}/n", Props(("mountpoint", "none"))));
        await host.RunAsync(new ZfsCreate($"{Pool}/n/kid"));
        await host.RunAsync(new ZfsCreate($"{Pool}/n/lazy", Props(("canmount", "noauto"))));

        await host.RunAsync(new ZfsSet($"{Pool}/n", "mountpoint", "/n"));

        var listing = await host.ListAsync(Pool, Ct);
        Assert.Equal((true, true, false), (listing.Find($"{Pool}/n")!.Mounted, listing.Find($"{Pool}/n/kid")!.Mounted,
            listing.Find($"{Pool}/n/lazy")!.Mounted));
    }

    [Fact]
    public async Task Snapshot_OneNameTaken_TakesNoneOfThem()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.SharedDataset + "@s"));

        var error = await RefusedAsync(host, new ZfsSnapshot([Layout.Be("be1") + "@s", Layout.SharedDataset + "@s"]));

        Assert.Contains("dataset already exists", error.StandardError);
        Assert.Null(await host.FindAsync(Layout.Be("be1") + "@s"));
    }

    [Fact]
    public async Task SetMountPoint_MountedFileSystem_RemountsAtTheNewPlace()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/f", Bytes("x"));

        await host.RunAsync(new ZfsSet(Layout.SharedDataset, "mountpoint", "/srv/shared/"));

        Assert.Equal(("/srv/shared", true), Describe((await host.FindAsync(Layout.SharedDataset))!));
        Assert.Equal("x", Text(host.ReadAllBytes("/srv/shared/f")));
        Assert.Empty(host.List("/var/shared"));
    }

    [Fact]
    public async Task SetMountPoint_BootedBeWithSharedMountedBelow_IsBusyAndUnchanged()
    {
        var host = await BootedAsync();

        var error = await RefusedAsync(host, new ZfsSet(Layout.Be("be1"), "mountpoint", "/a"));

        Assert.True(error.IsBusy, error.StandardError);
        Assert.Equal(("/", true), Describe((await host.FindAsync(Layout.Be("be1")))!));
    }

    [Fact]
    public async Task SetCanmountOff_Mounted_Unmounts()
    {
        var host = await BootedAsync();

        await host.RunAsync(new ZfsSet(Layout.SharedDataset, "canmount", "off"));

        Assert.False((await host.FindAsync(Layout.SharedDataset))!.Mounted);
        Assert.Contains("canmount", (await RefusedAsync(host, new ZfsMount(Layout.SharedDataset))).StandardError);
    }

    [Fact]
    public async Task Set_BadValues_RefusedWithExitOne()
    {
        var host = await BootedAsync();

        var relative = await RefusedAsync(host, new ZfsSet(Layout.SharedDataset, "mountpoint", "var/shared"));
        var canmount = await RefusedAsync(host, new ZfsSet(Layout.SharedDataset, "canmount", "sometimes"));
        var readOnly = await RefusedAsync(host, new ZfsSet(Layout.SharedDataset, "origin", "x"));

        Assert.Equal([1, 1, 1], new[] { relative.ExitCode, canmount.ExitCode, readOnly.ExitCode });
        Assert.Contains("absolute path", relative.StandardError);
    }

    [Fact]
    public async Task UserProperty_OnSnapshot_SetAndInherited()
    {
        var host = await BootedAsync();
        var snap = Layout.Be("be1") + "@s";
        await host.RunAsync(new ZfsSnapshot(snap));

        await host.RunAsync(new ZfsSet(snap, UserProperties.ConsoleMade, "on"));
        Assert.Equal("on", (await host.FindAsync(snap))!.ConsoleMade);
        await host.RunAsync(new ZfsInherit(snap, UserProperties.ConsoleMade));
        Assert.Null((await host.FindAsync(snap))!.ConsoleMade);
        await RefusedAsync(host, new ZfsSet(snap, "mountpoint", "/x"));
    }

    [Fact]
    public async Task InheritMountPoint_Local_FallsBackToTheParentsWithName()
    {
        var host = NewHost();
        await host.RunAsync(new ZfsCreate($"{Pool}/data", Props(("mountpoint", "/data"))));
        await host.RunAsync(new ZfsCreate($"{Pool}/data/child", Props(("mountpoint", "/elsewhere"))));

        await host.RunAsync(new ZfsInherit($"{Pool}/data/child", "mountpoint"));

        Assert.Equal(("/data/child", true), Describe((await host.FindAsync($"{Pool}/data/child"))!));
        Assert.Contains("child", host.List("/data"));
    }

    [Fact]
    public async Task Mount_OnNonEmptyDirectory_Refused()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsCreate($"{Pool}/opt", Props(("canmount", "noauto"), ("mountpoint", "/etc"))));

        var error = await RefusedAsync(host, new ZfsMount($"{Pool}/opt"));

        Assert.Contains("directory is not empty", error.StandardError);
    }

    [Fact]
    public async Task ListAsync_WritesToAFileSystem_GrowUsedAndReferenced()
    {
        var host = await BootedAsync();
        var before = (await host.FindAsync(Layout.SharedDataset))!;
        var poolBefore = (await host.ListAsync(Pool, Ct)).Pool;

        host.WriteAllBytes("/var/shared/blob", new byte[1_000_000]);

        var after = (await host.FindAsync(Layout.SharedDataset))!;
        Assert.InRange(after.Referenced - before.Referenced, 1_000_000, 1_010_000);
        Assert.InRange(after.Used - before.Used, 1_000_000, 1_010_000);
        Assert.True((await host.ListAsync(Pool, Ct)).Pool.Allocated > poolBefore.Allocated);
    }

    [Fact]
    public async Task ListAsync_Clone_UsesOnlyWhatIsWrittenSinceItsOrigin()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/big", new byte[500_000]);
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var clone = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");
        var fresh = (await host.FindAsync(clone))!;

        await host.RunAsync(new ZfsSet(clone, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(clone));
        host.WriteAllBytes("/a/small", new byte[10_000]);
        var written = (await host.FindAsync(clone))!;

        Assert.True(fresh.Referenced > 500_000, $"referenced {fresh.Referenced}");
        Assert.True(fresh.Used < 50_000, $"used {fresh.Used}");
        Assert.InRange(written.Used - fresh.Used, 10_000, 20_000);
        Assert.InRange((await host.FindAsync(Layout.Be("be1") + "@s"))!.Used, 0, 4096); // only the directory /a was made in be1
    }

    private static (string?, bool) Describe(ZfsDataset d) => (d.MountPoint, d.Mounted);
}
