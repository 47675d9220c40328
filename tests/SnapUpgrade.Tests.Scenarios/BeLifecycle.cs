using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>The FreeBSD bectl checklist, on both backends.</summary>
public abstract class BeLifecycle<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Create_FromBootedBe_ClonesUnmountedWithUuidAndRootMountpoint()
    {
        var result = await Lab.MustAsync(new CreateBe("be2", Description: "before the upgrade"));

        var state = await Lab.StateAsync();
        var be2 = state.Find("be2")!;
        Assert.NotNull(be2);
        Assert.StartsWith($"{state.Find("be1")!.Dataset}@", be2.Origin);
        Assert.Equal("/", be2.MountPoint);
        Assert.Equal("noauto", be2.CanMount);
        Assert.False(be2.IsMounted);
        Assert.True(Guid.TryParse(be2.Uuid, out _));
        Assert.NotEqual(state.Find("be1")!.Uuid, be2.Uuid);
        Assert.Equal("before the upgrade", be2.Description);
        Assert.True(state.Find("be1")!.IsBooted);
        Assert.Contains(result.Steps, s => s.Argv.SequenceEqual(["zfs", "set", "mountpoint=/", be2.Dataset]));
    }

    [Fact]
    public async Task Create_FromAnotherBeAndFromSnapshot_UsesThatSource()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new SnapshotBe("be2", "pre"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2"));
        await Lab.MustAsync(new CreateBe("be4", Source: "be2@pre"));

        var state = await Lab.StateAsync();
        Assert.StartsWith($"{state.Find("be2")!.Dataset}@", state.Find("be3")!.Origin);
        Assert.Equal($"{state.Find("be2")!.Dataset}@pre", state.Find("be4")!.Origin);
        // A user's snapshot is not the console's own: it must never be cleaned up behind their back.
        Assert.False(state.Find("be2")!.Snapshots.Single(s => s.ShortName == "pre").ConsoleMade);
    }

    [Theory]
    [InlineData("a,b,c")]
    [InlineData("c,b,a")]
    [InlineData("b,a,c")]
    [InlineData("a,c,b")]
    public async Task Destroy_ChainOfClonesInAnyOrder_KeepsTheOthersWhole(string orderList)
    {
        await Lab.MustAsync(new CreateBe("a"));
        await Lab.MustAsync(new CreateBe("b", Source: "a"));
        await Lab.MustAsync(new CreateBe("c", Source: "b"));

        var left = new List<string> { "a", "b", "c" };
        foreach (var name in orderList.Split(','))
        {
            await Lab.MustAsync(new DestroyBe(name));
            left.Remove(name);
            var state = await Lab.StateAsync();
            Assert.Null(state.Find(name));
            Assert.All(left, l => Assert.NotNull(state.Find(l)));
        }
        var end = await Lab.StateAsync();
        Assert.Equal(["be1"], end.BootEnvironments.Select(b => b.Name));
        // Every origin snapshot the console made for a, b and c went with the last BE that used it.
        Assert.Empty(end.Find("be1")!.Snapshots);
    }

    [Fact]
    public async Task DestroySnapshot_WithAClone_IsRefusedAndChangesNothing()
    {
        await Lab.MustAsync(new SnapshotBe("be1", "s1"));
        await Lab.MustAsync(new CreateBe("be2", Source: "be1@s1"));
        var before = await Lab.ListingAsync();

        var result = await Lab.RunAsync(new DestroySnapshot("be1", "s1"));

        Assert.Equal(Outcome.Refused, result.Outcome);
        Assert.Equal(ErrorCode.SnapshotHasClones, result.Error!.Code);
        Assert.Contains("be2", result.Error.Message);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Activate_CloneTwoDeep_LeavesItWithoutOrigin()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2"));

        var result = await Lab.MustAsync(new ActivateBe("be3"));

        var state = await Lab.StateAsync();
        Assert.Null(state.Find("be3")!.Origin);
        Assert.Equal(2, result.Steps.Count(s => s.Argv[1] == "promote"));
        Assert.True(state.Find("be3")!.IsActiveOnReboot);
        Assert.Equal("be1", result.FromBe);
        Assert.Equal("be3", result.ToBe);
        Assert.Equal(state.Find("be3")!.Dataset, state.Bootfs);
        var journal = await Lab.Journal.RecentAsync(1);
        Assert.Equal(("activate", "be3", "succeeded"), (journal[0].Action, journal[0].Target, journal[0].Outcome));
    }

    [Fact]
    public async Task Rename_NotBootedBe_RenamesAndKeepsItsIdentity()
    {
        await Lab.MustAsync(new CreateBe("old"));
        var uuid = (await Lab.StateAsync()).Find("old")!.Uuid;

        await Lab.MustAsync(new RenameBe("old", "new"));

        var state = await Lab.StateAsync();
        Assert.Null(state.Find("old"));
        Assert.Equal(uuid, state.Find("new")!.Uuid);
    }

    [Fact]
    public async Task MountThenUnmount_LeavesNothingMounted()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();

        var mount = await Lab.MustAsync(new MountBe("be2", "/mnt/be2"));
        var mounted = (await Lab.StateAsync()).Find("be2")!;
        Assert.Equal("/mnt/be2", mounted.MountedAt);
        Assert.Equal(Lab.Read("/etc/release"), Lab.Read("/mnt/be2/etc/release"));
        Assert.Contains(await Lab.Host.Mounts.ListAsync(), b => b.Target == "/mnt/be2/var/shared" && b.ReadOnly);
        Assert.Contains(mount.Steps, s => s.Argv.SequenceEqual(["zfs", "mount", "-o", "nosuid,nodev", mounted.Dataset]));

        await Lab.MustAsync(new UnmountBe("be2"));

        Assert.Equal(before, await Lab.ListingAsync());
        Assert.Empty(await Lab.Host.Mounts.ListAsync());
    }

    [Fact]
    public async Task OneShotActivation_ThenRenameAndDestroy_FollowsAndClearsNextBoot()
    {
        await Lab.MustAsync(new CreateBe("once"));
        await Lab.MustAsync(new ActivateBe("once", Temporary: true));
        var state = await Lab.StateAsync();
        Assert.True(state.Find("once")!.IsNextBoot);
        Assert.True(state.Find("be1")!.IsActiveOnReboot);
        Assert.Equal("T", state.Find("once")!.Flags);

        await Lab.MustAsync(new RenameBe("once", "twice"));
        Assert.True((await Lab.StateAsync()).Find("twice")!.IsNextBoot);

        await Lab.MustAsync(new DestroyBe("twice"));
        state = await Lab.StateAsync();
        Assert.Null(state.NextBoot);
        Assert.Equal(["be1"], state.BootEnvironments.Select(b => b.Name));
    }

    [Fact]
    public async Task Rollback_ToSnapshot_RestoresFilesOfANotBootedBe()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MountBe("be2", "/mnt/be2"));
        Lab.Write("/mnt/be2/etc/motd", "first\n");
        await Lab.MustAsync(new UnmountBe("be2"));
        await Lab.MustAsync(new SnapshotBe("be2", "good"));
        await Lab.MustAsync(new MountBe("be2", "/mnt/be2"));
        Lab.Write("/mnt/be2/etc/motd", "broken\n");
        await Lab.MustAsync(new UnmountBe("be2"));

        await Lab.MustAsync(new RollbackBe("be2", "good"));

        await Lab.MustAsync(new MountBe("be2", "/mnt/be2"));
        Assert.Equal("first\n", Lab.Read("/mnt/be2/etc/motd"));
        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task DryRun_OfEveryKindOfChange_ReturnsArgvAndChangesNothing()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();
        IOperation[] operations =
        [
            new CreateBe("be3"), new ActivateBe("be2"), new ActivateBe("be2", Temporary: true), new RenameBe("be2", "be9"),
            new MountBe("be2", "/mnt/x"), new SnapshotBe("be2", "s"), new DestroyBe("be2"), new MigrateShared("be2"),
            new CreateZone("z1"), new CheckSharedHealth(),
        ];
        foreach (var operation in operations)
        {
            var result = await Lab.RunAsync(operation, dryRun: true);
            Assert.True(result.Succeeded && result.DryRun, $"{operation}: {result.Error}");
            Assert.NotEmpty(result.Steps);
            Assert.All(result.Steps, s => Assert.NotEmpty(s.Argv));
        }
        Assert.Equal(before, await Lab.ListingAsync());
    }
}

public sealed class BeLifecycleOnSimulator : BeLifecycle<Simulated>;
public sealed class BeLifecycleOnZfsFuse : BeLifecycle<ZfsFuse>;
