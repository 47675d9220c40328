using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>The Snap Upgrade promises about /var/shared, on both backends.</summary>
public abstract class SharedVar<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Migrate_BootedBe_IsRefusedNamingTheSafePathAndChangesNothing()
    {
        var before = await Lab.ListingAsync();

        var refused = await Lab.RunAsync(new MigrateShared("be1"));

        Assert.Equal(ErrorCode.MigrateBootedBe, refused.Error?.Code);
        Assert.Contains("Create a boot environment from it, migrate that one, activate it and reboot", refused.Error!.Message);
        Assert.Equal(before, await Lab.ListingAsync());
        Assert.Equal(FileKind.Directory, Lab.Host.Files.GetKind("/var/mail"));
    }

    [Fact]
    public async Task Migrate_NewBe_LinksItsDirectoriesToByteIdenticalSharedCopiesAndKeepsTheOriginalsAside()
    {
        var mail = Lab.Read("/var/mail/root");
        await Lab.MustAsync(new CreateBe("be2"));
        var listing = await Lab.ListingAsync();

        var result = await Lab.MustAsync(new MigrateShared("be2"));

        Assert.Equal(mail, Lab.Read("/var/shared/mail/root"));
        Assert.Equal(listing, await Lab.ListingAsync()); // no temporary mount point left
        Assert.Contains(result.Steps, s => s.Argv[0] == "rsync" && s.Argv.Contains("--numeric-ids") && s.Argv.Any(a => a.StartsWith("-aHS")));
        Assert.Contains(result.Report, line => line.Contains("kept at") && line.Contains(MigrateShared.KeptAside + "/mail"));
        Assert.Empty(Lab.PrivateMounts());
        Assert.Equal(FileKind.Directory, Lab.Host.Files.GetKind("/var/mail")); // the booted BE is untouched

        await Lab.MustAsync(new MountBe("be2", "/a"));
        foreach (var dir in Layout.SharedDirectories) Assert.Equal($"shared/{dir}", Lab.Host.Files.ReadLink($"/a/var/{dir}"));
        Assert.Equal(mail, Lab.Read($"/a{MigrateShared.KeptAside}/mail/root"));
        Assert.Equal(mail, Lab.Read("/a/var/mail/root")); // through the link, into the read-only bind of /var/shared
        await Lab.MustAsync(new UnmountBe("be2"));
        var health = (await Lab.MustAsync(new CheckSharedHealth())).SharedHealth!;
        Assert.True(health.Entries.Single(e => e.Be == "be2" && e.Zone is null).AllOk);
        Assert.All(health.Entries.Single(e => e.Be == "be1").Directories, d => Assert.Equal(SharedDirState.NotMigrated, d.State));
    }

    [Fact]
    public async Task Migrate_NameTakenInShared_KeepsBothSideBySide()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MigrateShared("be2"));
        var first = Lab.Read("/var/shared/mail/root");
        Lab.Append("/var/mail/root", "mail that arrived after be2 was made\n"); // be1's own /var/mail
        await Lab.MustAsync(new CreateBe("be3"));

        var result = await Lab.MustAsync(new MigrateShared("be3"));

        Assert.Equal(first, Lab.Read("/var/shared/mail/root"));
        Assert.EndsWith("mail that arrived after be2 was made\n", Lab.Read("/var/shared/mail/root.be3"));
        Assert.Contains(result.Report, line => line.Contains("root.be3") && line.Contains("kept"));
        Assert.Equal(Lab.Read("/var/log/messages"), Lab.Read("/var/shared/log/messages")); // identical: left as it is, no copy
        Assert.Equal(FileKind.Missing, Lab.Host.Files.GetKind("/var/shared/log/messages.be3"));
    }

    [Fact]
    public async Task SafePath_MigrateActivateReboot_CarriesOverWhatTheOldBeWroteAfterTheCloneOnce()
    {
        var clonePoint = Lab.Read("/var/mail/root");
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MigrateShared("be2"));
        Lab.Append("/var/mail/root", "From: late\n\nwritten after the clone\n"); // be1 still runs
        Lab.Write("/var/log/late.log", "a new log\n");
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", (await Lab.StateAsync()).Booted?.Name);

        var carried = await Lab.MustAsync(new CarryOver("be2"));

        Assert.Equal("a new log\n", Lab.Read("/var/log/late.log"));             // a new file is added
        Assert.Equal(clonePoint, Lab.Read("/var/mail/root"));                     // never overwritten
        Assert.EndsWith("written after the clone\n", Lab.Read("/var/mail/root.be1")); // the other side by side
        Assert.Equal(FileKind.Missing, Lab.Host.Files.GetKind("/var/shared/log/messages.be1")); // unchanged since the clone
        Assert.Contains(carried.Report, line => line.Contains(MigrateShared.KeptAside));
        Assert.Null((await Lab.StateAsync()).Find("be2")!.CarryOverFrom);
        Assert.Equal(ErrorCode.NotSupported, (await Lab.RunAsync(new CarryOver("be2"))).Error?.Code); // once
        Assert.Empty(Lab.PrivateMounts());
    }

    [Fact]
    public async Task Migrate_MountedBeWithSomethingMountedAtVarLog_RefusedBeforeAnythingChanges()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MountBe("be2", "/a"));
        // Not a dataset: a mount the admin made by hand inside the mounted BE.
        await Lab.Host.Mounts.BindAsync("/var/shared", "/a/var/log", readOnly: true);
        var listing = await Lab.ListingAsync();
        var tree = Lab.Tree("/var/shared");

        var migrate = await Lab.RunAsync(new MigrateShared("be2"));

        Assert.Equal(ErrorCode.DirectoryIsMountPoint, migrate.Error?.Code);
        Assert.Equal("/a/var/log is a mount point: migration never touches a directory that is a mount point. Unmount it first.", migrate.Error!.Message);
        Assert.Equal(listing, await Lab.ListingAsync());
        Assert.Equal(tree, Lab.Tree("/var/shared"));
        await Lab.Host.Mounts.UnmountAsync("/a/var/log");
        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task AlternateRoot_SeesSharedDataReadOnly_WhileTheLivePathTakesWrites()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MigrateShared("be2"));
        await Lab.MustAsync(new MountBe("be2", "/a"));

        Assert.Equal(Lab.Read("/var/shared/mail/root"), Lab.Read("/a/var/mail/root"));
        var refused = Assert.Throws<ReadOnlyFileSystemException>(() => Lab.Write("/a/var/mail/intruder", "x"));
        Assert.Equal(30, refused.HResult);
        Lab.Write("/var/shared/mail/live", "still writable\n");
        Assert.Equal("still writable\n", Lab.Read("/a/var/mail/live"));
        Assert.Equal(FileKind.Missing, Lab.Host.Files.GetKind("/var/shared/mail/intruder"));

        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task BootingAnotherMigratedBe_FindsMailWrittenThroughTheLinksBeforeTheReboot()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MigrateShared("be2"));
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        await Lab.MustAsync(new CreateBe("be3")); // from be2: born with the links
        await Lab.MustAsync(new ActivateBe("be3"));
        Lab.Append("/var/mail/root", "\nFrom: late\n\nwritten after activation\n");

        var boot = await Lab.MustAsync(new RebootHost());

        Assert.Equal(("be2", "be3"), (boot.FromBe, boot.ToBe));
        Assert.EndsWith("written after activation\n", Lab.Read("/var/mail/root"));
        Assert.Equal("shared/mail", Lab.Host.Files.ReadLink("/var/mail"));
    }

    [Fact]
    public async Task SharedHealth_ReadNeverMounts_AndACheckIsAnOperationThatLeavesNoMountBehind()
    {
        await Lab.MustAsync(new CreateBe("be2")); // not mounted
        var listing = await Lab.ListingAsync();
        var commands = Lab.Faults.Executed;

        var read = await Lab.Engine.GetSharedHealthAsync();

        Assert.Equal(commands, Lab.Faults.Executed); // nothing mounted, nothing run
        Assert.True(read.Entries.Single(e => e.Be == "be2").NotChecked);
        Assert.All(read.Entries.Single(e => e.Be == "be1").Directories, d => Assert.Equal(SharedDirState.NotMigrated, d.State));

        var check = await Lab.MustAsync(new CheckSharedHealth());

        var dataset = (await Lab.StateAsync()).Find("be2")!.Dataset;
        Assert.Contains(check.Steps, s => s.Argv.SequenceEqual(["zfs", "mount", "-o", "nosuid,nodev,noexec", dataset]));
        Assert.Equal(listing, await Lab.ListingAsync());
        commands = Lab.Faults.Executed;
        var again = await Lab.Engine.GetSharedHealthAsync();
        var be2 = again.Entries.Single(e => e.Be == "be2");
        Assert.Equal(check.SharedHealth!.Entries.Single(e => e.Be == "be2").CheckedAt, be2.CheckedAt);
        Assert.All(be2.Directories, d => Assert.Equal(SharedDirState.NotMigrated, d.State));
        Assert.Equal(commands, Lab.Faults.Executed);
    }

    [Fact]
    public async Task Migrate_ZoneWhoseSharedLogIsALinkOutside_IsRefusedWithUnsafePathAndTheCanaryIsUntouched()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));
        // be2's zone BE gets a real /var/log again (as an older zone would have)...
        await Lab.MustAsync(new MountBe("be2", "/a", SharedReadWrite: true));
        Lab.Host.Files.Delete("/a/zones/web/root/var/log");
        Lab.Host.Process.CreateDirectory("/a/zones/web/root/var/log");
        Lab.Write("/a/zones/web/root/var/log/zone.log", "zone log\n");
        await Lab.MustAsync(new UnmountBe("be2"));
        // ...and the running zone's root made its shared log a link to a host directory.
        Lab.Host.Process.CreateDirectory("/canary");
        Lab.Write("/canary/keep", "canary\n");
        Lab.Host.Files.Delete("/zones/web/root/var/shared/log");
        Lab.Host.Files.CreateSymlink("/zones/web/root/var/shared/log", "../../../../../canary");
        var listing = await Lab.ListingAsync();

        var refused = await Lab.RunAsync(new MigrateShared("be2"));

        Assert.Equal(ErrorCode.UnsafePath, refused.Error?.Code);
        Assert.Equal(["keep"], Lab.Host.Process.List("/canary"));
        Assert.Equal("canary\n", Lab.Read("/canary/keep"));
        Assert.Equal(listing, await Lab.ListingAsync());
    }

    [Fact]
    public async Task CreateZone_ZonesIsALinkToAHostDirectory_FailsWithUnsafePathAndMakesNothingThere()
    {
        // The directory zone create now makes itself (so its undo can remove it) is a link on this host.
        Lab.Host.Process.CreateDirectory("/canary");
        Lab.Host.Files.Delete("/zones"); // the lab makes it empty
        Lab.Host.Files.CreateSymlink("/zones", "canary");
        var listing = await Lab.ListingAsync();

        var create = await Lab.RunAsync(new CreateZone("web"));

        Assert.Equal(ErrorCode.UnsafePath, create.Error?.Code);
        Assert.Empty(Lab.Host.Process.List("/canary"));
        Assert.Equal(listing, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Mount_ZoneBeWhoseVarSharedIsALink_FailsWithUnsafePathAndLeavesNothingMounted()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));
        Lab.Host.Process.CreateDirectory("/canary");
        // be2's zone BE, mounted by hand for a moment: its var/shared (where the zone's shared
        // dataset is bound) becomes a link that climbs out to /canary of the host.
        var zoneBe = (await Lab.StateAsync()).FindZone("web")!.BootEnvironments.Single(zb => zb.ParentBeName == "be2").Dataset;
        await Lab.Host.Zfs.ExecuteAsync(new SnapUpgrade.Core.Zfs.ZfsSet(zoneBe, "mountpoint", "/attack"));
        await Lab.Host.Zfs.ExecuteAsync(new SnapUpgrade.Core.Zfs.ZfsMount(zoneBe));
        Lab.Host.Files.Delete("/attack/var/shared");
        Lab.Host.Files.CreateSymlink("/attack/var/shared", "../../../../../canary");
        await Lab.Host.Zfs.ExecuteAsync(new SnapUpgrade.Core.Zfs.ZfsUnmount(zoneBe));
        await Lab.Host.Zfs.ExecuteAsync(new SnapUpgrade.Core.Zfs.ZfsSet(zoneBe, "mountpoint", Layout.ZoneRoot("web")));
        var listing = await Lab.ListingAsync();

        var mount = await Lab.RunAsync(new MountBe("be2", "/a"));

        Assert.Equal(ErrorCode.UnsafePath, mount.Error?.Code);
        Assert.Empty(Lab.Host.Process.List("/canary"));
        Assert.Equal(listing, await Lab.ListingAsync());
        Assert.Empty(await Lab.Host.Mounts.ListAsync());
    }

    [Theory]
    [InlineData("/etc/x", ErrorCode.InvalidPath)]        // not under /a, /mnt or the console's directory
    [InlineData("/var/log/x", ErrorCode.InvalidPath)]    // the same, and /var/log is a link
    [InlineData("/mnt/link/x", ErrorCode.UnsafePath)]    // through a link
    [InlineData("/mnt/full", ErrorCode.InvalidPath)]     // a directory that is not empty
    // Not in the OpenZFS guest: refused before any zfs command.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Mount_AtAPathThatIsNotAFreePlaceUnderTheMountRoots_IsRefusedAndChangesNothing(string path, ErrorCode code)
    {
        await Lab.MustAsync(new CreateBe("be2"));
        Lab.Host.Process.CreateDirectory("/mnt/full");
        Lab.Write("/mnt/full/file", "x\n");
        Lab.Host.Process.CreateDirectory("/etc/target");
        Lab.Host.Files.CreateSymlink("/mnt/link", "../etc/target");
        var listing = await Lab.ListingAsync();

        foreach (var dryRun in new[] { true, false })
        {
            var refused = await Lab.RunAsync(new MountBe("be2", path), dryRun);
            Assert.Equal(code, refused.Error?.Code);
        }

        Assert.Equal(listing, await Lab.ListingAsync());
        Assert.Empty(Lab.Host.Process.List("/etc/target"));
        Assert.Equal(FileKind.Missing, Lab.Host.Files.GetKind("/etc/x"));
    }

    [Fact]
    public async Task Mount_OverlongPath_IsRefusedAsInvalidEvenAsADryRun()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        var path = "/mnt/" + string.Join('/', Enumerable.Repeat(new string('x', 200), 25));

        var refused = await Lab.RunAsync(new MountBe("be2", path), dryRun: true);

        Assert.Equal(ErrorCode.InvalidPath, refused.Error?.Code);
        Assert.Equal(FileKind.Missing, Lab.Host.Files.GetKind("/mnt/" + new string('x', 200)));
    }
}

public sealed class SharedVarOnSimulator : SharedVar<Simulated>;
public sealed class SharedVarOnZfsFuse : SharedVar<ZfsFuse>;

/// <summary>A host laid out before Snap Upgrade: no /var/shared yet.</summary>
public abstract class SharedAdoption<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    protected override bool WithShared => false;

    [Fact]
    public async Task SharedInit_ThenMigrateANewBe_AdoptsTheLayoutAndKeepsTheData()
    {
        var mail = Lab.Read("/var/mail/root");
        await Lab.MustAsync(new CreateBe("be2"));
        var refused = await Lab.RunAsync(new MigrateShared("be2"));
        Assert.Equal(ErrorCode.SharedMissing, refused.Error?.Code);

        await Lab.MustAsync(new InitShared());
        var again = await Lab.MustAsync(new InitShared());
        await Lab.MustAsync(new MigrateShared("be2"));

        Assert.Empty(again.Steps);
        Assert.Equal("/var/shared", (await Lab.StateAsync()).SharedDatasets.Single(s => s.Zone is null).MountedAt);
        Assert.Equal(mail, Lab.Read("/var/shared/mail/root"));
    }
}

public sealed class SharedAdoptionOnSimulator : SharedAdoption<Simulated>;
public sealed class SharedAdoptionOnZfsFuse : SharedAdoption<ZfsFuse>;
