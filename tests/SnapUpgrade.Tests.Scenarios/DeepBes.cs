using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Deep BEs (bectl's, zsys'): the booted be1 has children three levels down (usr, a canmount=off
/// var container, var/lib, var/lib/dpkg, and home with a mountpoint of its own). Every operation
/// takes the whole tree, proved by comparing pool listings; zfs failing at each step leaves the
/// tree as before, or (destroy) fully done.
/// </summary>
public abstract class DeepBes<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    private string Root(string be) => $"{Lab.Host.Pool}/ROOT/{be}";

    [Fact]
    public async Task Create_DeepBe_ClonesEveryChildUnderTheNewRootUnmountedAndMarked()
    {
        await Lab.DeepenAsync();

        var result = await Lab.MustAsync(new CreateBe("be2"));

        var state = await Lab.StateAsync();
        Assert.Equal(["be1", "be2"], state.BootEnvironments.Select(b => b.Name));
        var be2 = state.Find("be2")!;
        Assert.Equal(LabBootstrap.DeepChildren, be2.Children.Select(c => c.RelativeName));
        Assert.Equal(LabBootstrap.DeepChildren, state.Find("be1")!.Children.Select(c => c.RelativeName));
        var snapshot = be2.Origin![(be2.Origin!.IndexOf('@') + 1)..];
        Assert.All(be2.Children, c => Assert.Equal($"{Root("be1")}/{c.RelativeName}@{snapshot}", c.Origin));
        Assert.All(be2.Children, c => Assert.False(c.IsMounted, c.Dataset));
        Assert.Equal(["noauto", "noauto", "off", "noauto", "noauto"], be2.Children.Select(c => c.CanMount));
        Assert.Equal([LabBootstrap.DeepHomeMountPoint, "/usr", "/var", "/var/lib", "/var/lib/dpkg"], be2.Children.Select(c => c.MountPoint));
        Assert.Equal([false, true, true, true, true], be2.Children.Select(c => c.InheritsMountPoint));
        var listing = await Lab.Host.Zfs.ListAsync(Lab.Host.Pool);
        Assert.All(listing.Datasets.Where(d => d.Name.StartsWith(Root("be2") + "/", StringComparison.Ordinal)), d => Assert.Equal("on", d.ConsoleMade));
        Assert.All(listing.Datasets.Where(d => d.SnapshotName == snapshot), d => Assert.Equal("on", d.ConsoleMade));
        Assert.Equal(LabBootstrap.DeepChildren.Count + 1, listing.Datasets.Count(d => d.SnapshotName == snapshot));
        // One recursive snapshot of the tree, on every backend.
        Assert.Single(result.Steps, s => s.Argv.Take(3).SequenceEqual(["zfs", "snapshot", "-r"]));
        Assert.True(state.Find("be1")!.Children.Single(c => c.RelativeName == "usr").IsMounted, "the booted BE's children stay mounted");
    }

    [Fact]
    public async Task Activate_DeepBe_PromotesEveryChildAndBootsTheTree()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2"));

        await Lab.MustAsync(new ActivateBe("be3"));

        var state = await Lab.StateAsync();
        var be3 = state.Find("be3")!;
        Assert.Null(be3.Origin);
        Assert.All(be3.Children, c => Assert.Null(c.Origin));
        Assert.All(state.Find("be1")!.Children, c => Assert.StartsWith($"{Root("be3")}/{c.RelativeName}@", c.Origin));
        Assert.All(state.Find("be2")!.Children, c => Assert.StartsWith($"{Root("be3")}/{c.RelativeName}@", c.Origin));

        await Lab.MustAsync(new RebootHost());

        var booted = (await Lab.StateAsync()).Find("be3")!;
        Assert.True(booted.IsBooted);
        Assert.Equal(["home", "usr", "var/lib", "var/lib/dpkg"], booted.Children.Where(c => c.IsMounted).Select(c => c.RelativeName));
        Assert.Equal("var/lib/dpkg\n", Lab.Read($"/var/lib/dpkg/{LabBootstrap.ChildMarker}"));
        Assert.Equal("home\n", Lab.Read($"{LabBootstrap.DeepHomeMountPoint}/{LabBootstrap.ChildMarker}"));
        Assert.DoesNotContain((await Lab.StateAsync()).Find("be1")!.Children, c => c.IsMounted);
    }

    [Fact]
    public async Task MountThenUnmount_DeepBe_MountsTheTreeInOrderAndPutsEverythingBack()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();

        await Lab.MustAsync(new MountBe("be2"));

        var be2 = (await Lab.StateAsync()).Find("be2")!;
        var root = be2.MountedAt!;
        Assert.Equal(
            [$"{root}{LabBootstrap.DeepHomeMountPoint}", $"{root}/usr", null, $"{root}/var/lib", $"{root}/var/lib/dpkg"],
            be2.Children.Select(c => c.MountedAt));
        Assert.Equal("usr\n", Lab.Read($"{root}/usr/{LabBootstrap.ChildMarker}"));
        Assert.Equal("var/lib/dpkg\n", Lab.Read($"{root}/var/lib/dpkg/{LabBootstrap.ChildMarker}"));
        Assert.Equal("home\n", Lab.Read($"{root}{LabBootstrap.DeepHomeMountPoint}/{LabBootstrap.ChildMarker}"));

        await Lab.MustAsync(new UnmountBe("be2"));

        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Mount_DeepBeWhoseUsrIsALinkOutOfIt_FailsWithUnsafePathAndMountsNothingThere()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        Lab.Host.Process.CreateDirectory("/canary");
        // be2's root, mounted alone by hand for a moment: the place where its usr child mounts
        // becomes a link that climbs out to /canary of the host.
        var be2 = (await Lab.StateAsync()).Find("be2")!;
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSet(be2.Dataset, "mountpoint", "/attack"));
        await Lab.Host.Zfs.ExecuteAsync(new ZfsMount(be2.Dataset));
        Lab.Host.Files.Delete("/attack/usr");
        Lab.Host.Files.CreateSymlink("/attack/usr", "../../../../../canary");
        await Lab.Host.Zfs.ExecuteAsync(new ZfsUnmount(be2.Dataset));
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSet(be2.Dataset, "mountpoint", be2.MountPoint!));
        var listing = await Lab.ListingAsync();

        var mount = await Lab.RunAsync(new MountBe("be2", "/a"));

        Assert.Equal(ErrorCode.UnsafePath, mount.Error?.Code);
        Assert.Empty(Lab.Host.Process.List("/canary"));
        Assert.Equal(listing, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Reboot_WithADeepBeMountedAside_BootsTheTreeAndPutsTheOtherBack()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();
        await Lab.MustAsync(new MountBe("be2"));

        await Lab.MustAsync(new RebootHost());

        Assert.Equal(before, await Lab.ListingAsync());
        Assert.Equal("usr\n", Lab.Read($"/usr/{LabBootstrap.ChildMarker}"));
    }

    [Fact]
    public async Task Rename_DeepBe_TakesTheWholeTree()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new SnapshotBe("be2", "pre"));
        var before = await Lab.ListingAsync();

        await Lab.MustAsync(new RenameBe("be2", "be9"));

        Assert.Equal(before.Replace($"ROOT/be2", "ROOT/be9", StringComparison.Ordinal), await Lab.ListingAsync());
        var be9 = (await Lab.StateAsync()).Find("be9")!;
        Assert.Equal(LabBootstrap.DeepChildren, be9.Children.Select(c => c.RelativeName));
        Assert.All(be9.Children, c => Assert.Contains(c.Snapshots, s => s.ShortName == "pre"));
    }

    [Fact]
    public async Task Rollback_DeepBe_RollsEveryChildBack()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new SnapshotBe("be2", "s1"));
        await Lab.MustAsync(new SnapshotBe("be2", "s2"));

        var result = await Lab.MustAsync(new RollbackBe("be2", "s1", DestroyLaterSnapshots: true));

        var be2 = (await Lab.StateAsync()).Find("be2")!;
        Assert.All(be2.Children, c => Assert.Equal(["s1"], c.Snapshots.Select(s => s.ShortName)));
        Assert.Equal(LabBootstrap.DeepChildren.Count + 1, result.Steps.Count(s => s.Argv.Take(2).SequenceEqual(["zfs", "rollback"])));
    }

    [Fact]
    public async Task Destroy_DeepBe_TakesTheTreeAndItsOriginSnapshots()
    {
        await Lab.DeepenAsync();
        var before = await Lab.ListingAsync();
        await Lab.MustAsync(new CreateBe("be2"));

        await Lab.MustAsync(new DestroyBe("be2"));

        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Destroy_DeepBeWithADeepClone_PromotesTheClonesTreeAndKeepsItWhole()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2"));

        await Lab.MustAsync(new DestroyBe("be2"));

        var state = await Lab.StateAsync();
        Assert.Null(state.Find("be2"));
        var be3 = state.Find("be3")!;
        Assert.Equal(LabBootstrap.DeepChildren, be3.Children.Select(c => c.RelativeName));
        Assert.All(be3.Children, c => Assert.StartsWith($"{Root("be1")}/{c.RelativeName}@", c.Origin));
        await Lab.MustAsync(new DestroyBe("be3"));
        Assert.Empty((await Lab.StateAsync()).AllSnapshots);
    }

    [Fact]
    public async Task ZoneDataBelowABe_IsNoChildAndStopsRenameAndDestroy()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        var zoned = $"{Root("be2")}/zones";
        await Lab.Host.Zfs.ExecuteAsync(new ZfsCreate(zoned, new Dictionary<string, string> { ["canmount"] = "noauto" }));
        var before = await Lab.ListingAsync();

        var state = await Lab.StateAsync();
        Assert.Equal([zoned], state.Find("be2")!.ZoneDatasetsBelow);
        Assert.DoesNotContain(state.Find("be2")!.Children, c => c.Dataset == zoned);
        var rename = await Lab.RunAsync(new RenameBe("be2", "be9"));
        var destroy = await Lab.RunAsync(new DestroyBe("be2"));

        Assert.Equal((ErrorCode.ZoneDataBelowBe, ErrorCode.ZoneDataBelowBe), (rename.Error?.Code, destroy.Error?.Code));
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Create_FromASnapshotTheChildrenLack_IsRefused()
    {
        await Lab.DeepenAsync();
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSnapshot($"{Root("be1")}@rootonly"));
        var before = await Lab.ListingAsync();

        var result = await Lab.RunAsync(new CreateBe("be2", Source: "be1@rootonly"));

        Assert.Equal(ErrorCode.SnapshotNotFound, result.Error?.Code);
        Assert.Contains($"{Root("be1")}/home", result.Error!.Message);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Create_FailingAtEachStep_LeavesThePoolAsBefore()
    {
        await Lab.DeepenAsync();
        var before = await Lab.ListingAsync();

        await FailAtEachStepAsync(() => new CreateBe("be2"), minimumSteps: 8, async () => Assert.Equal(before, await Lab.ListingAsync()));
    }

    [Fact]
    public async Task Activate_FailingAtEachStep_LeavesThePoolAsBefore()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();

        await FailAtEachStepAsync(() => new ActivateBe("be2"), minimumSteps: 6, async () => Assert.Equal(before, await Lab.ListingAsync()));

        await Lab.MustAsync(new ActivateBe("be2"));
        Assert.True((await Lab.StateAsync()).Find("be2")!.IsActiveOnReboot);
    }

    [Fact]
    public async Task MountAndUnmount_FailingAtEachStep_LeaveThePoolAsBefore()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        var unmounted = await Lab.ListingAsync();
        await FailAtEachStepAsync(() => new MountBe("be2", "/mnt/be2"), minimumSteps: 6, async () => Assert.Equal(unmounted, await Lab.ListingAsync()));

        await Lab.MustAsync(new MountBe("be2", "/mnt/be2"));
        var mounted = await Lab.ListingAsync();
        await FailAtEachStepAsync(() => new UnmountBe("be2"), minimumSteps: 6, async () => Assert.Equal(mounted, await Lab.ListingAsync()));
    }

    [Fact]
    public async Task Rename_FailingAtEachStep_LeavesThePoolAsBefore()
    {
        await Lab.DeepenAsync();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be2", Temporary: true));
        var before = await Lab.ListingAsync();

        await FailAtEachStepAsync(() => new RenameBe("be2", "be9"), minimumSteps: 2, async () => Assert.Equal(before, await Lab.ListingAsync()));
    }

    [Fact]
    public async Task Destroy_FailingAtEachStep_EndsAsBeforeOrFullyDone()
    {
        await Lab.DeepenAsync();
        var empty = await Lab.ListingAsync();
        var (steps, finished) = (0, 0);
        for (var i = 0; i == 0 || i < steps; i = Lane.NextFaultPoint(i, steps))
        {
            if ((await Lab.StateAsync()).Find("be2") is null)
            {
                await Lab.MustAsync(new CreateBe("be2"));
                await Lab.MustAsync(new CreateBe("be3", Source: "be2"));
            }
            var before = await Lab.ListingAsync();
            if (i == 0) steps = await ZfsStepsAsync(new DestroyBe("be2"));

            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(new DestroyBe("be2"));
            Lab.Faults.Disarm();

            if (!result.Succeeded)
            {
                Assert.Equal(before, await Lab.ListingAsync());
                continue;
            }
            // Finished past its point of no return: be3's tree stands without be2's, and goes cleanly after.
            finished++;
            var state = await Lab.StateAsync();
            Assert.Null(state.Find("be2"));
            Assert.All(state.Find("be3")!.Children, c => Assert.DoesNotContain("/be2/", c.Origin ?? ""));
            await Lab.MustAsync(new DestroyBe("be3"));
            Assert.Equal(empty, await Lab.ListingAsync());
        }
        Assert.True(steps >= 7, $"destroy should promote the clone's root and each child, then destroy; took {steps}");
        Assert.True(finished > 0, "no fault let the destroy finish: its last steps are past the point of no return");
    }

    /// <summary>zfs fails at each of the operation's zfs steps in turn; after each the check holds.</summary>
    private async Task FailAtEachStepAsync(Func<IOperation> operation, int minimumSteps, Func<Task> check)
    {
        var steps = await ZfsStepsAsync(operation());
        Assert.True(steps >= minimumSteps, $"{operation().Action} should take at least {minimumSteps} zfs steps, took {steps}");
        for (var i = 0; i < steps; i = Lane.NextFaultPoint(i, steps))
        {
            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(operation());
            Lab.Faults.Disarm();
            Assert.True(result.Outcome == Outcome.Failed, $"[{Lab.Host.Name}] fault at zfs step {i}: {result.Outcome}");
            await check();
        }
    }

    /// <summary>How many zfs commands the operation runs (its plan's zfs steps).</summary>
    private async Task<int> ZfsStepsAsync(IOperation operation)
    {
        var plan = await Lab.RunAsync(operation, dryRun: true);
        Assert.True(plan.Succeeded, plan.Error?.ToString());
        return plan.Steps.Count(s => s.Argv[0] is "zfs" or "zpool");
    }
}

public sealed class DeepBesOnSimulator : DeepBes<Simulated>;
public sealed class DeepBesOnZfsFuse : DeepBes<ZfsFuse>;
