using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// The console "killed" at every point where the engine writes ahead to its journal (before the
/// write: the action before it was the last; after it: the action it announces never runs), then a
/// fresh engine on the same journal starts: the operation is undone, and the host is exactly as
/// before: no dataset with a temporary mountpoint, nothing left mounted, shared data and BE content
/// unchanged. After the last point, the operation runs through and is checked as done.
/// </summary>
public abstract class CrashRecovery<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Migrate_CrashAtAnyPoint_IsUndoneLeavingOriginalsAndSharedDataAsBefore()
    {
        await Lab.MustAsync(new CreateBe("be2"));

        await CrashAtEveryPointAsync(() => new MigrateShared("be2"), minimumPoints: 20);

        var health = (await Lab.MustAsync(new CheckSharedHealth())).SharedHealth!;
        Assert.True(health.Entries.Single(e => e.Be == "be2" && e.Zone is null).AllOk);
    }

    [Fact]
    public async Task Mount_CrashAtAnyPoint_IsUndoneLeavingNoTemporaryMountpoint()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));

        await CrashAtEveryPointAsync(() => new MountBe("be2"), minimumPoints: 8);

        Assert.True((await Lab.StateAsync()).Find("be2")!.IsMounted);
        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task Unmount_CrashAtAnyPoint_IsUndoneLeavingTheBeFullyMounted()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MountBe("be2", "/a"));

        await CrashAtEveryPointAsync(() => new UnmountBe("be2"), minimumPoints: 5);

        Assert.False((await Lab.StateAsync()).Find("be2")!.IsMounted);
        Assert.Empty(await Lab.Host.Mounts.ListAsync());
    }

    [Fact]
    public async Task SharedCheck_CrashAtAnyPoint_IsUndoneLeavingNoTemporaryMountpoint()
    {
        await Lab.MustAsync(new CreateBe("be2"));

        await CrashAtEveryPointAsync(() => new CheckSharedHealth(), minimumPoints: 5);
    }

    [Fact]
    public async Task CarryOver_CrashAtAnyPoint_IsUndoneAndRunsWholeAfterwards()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MigrateShared("be2"));
        Lab.Append("/var/mail/root", "From: late\n\nwritten after the clone\n");
        Lab.Write("/var/log/late.log", "a new log\n");
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());

        await CrashAtEveryPointAsync(() => new CarryOver("be2"), minimumPoints: 10);

        Assert.Equal("a new log\n", Lab.Read("/var/log/late.log"));
        Assert.EndsWith("written after the clone\n", Lab.Read("/var/mail/root.be1"));
        Assert.Null((await Lab.StateAsync()).Find("be2")!.CarryOverFrom);
    }

    /// <summary>
    /// Kills the operation at each point in turn and checks that a restart undoes it; returns once
    /// a run gets past the last point (and so succeeds).
    /// </summary>
    private async Task CrashAtEveryPointAsync(Func<IOperation> operation, int minimumPoints)
    {
        var before = await SnapshotAsync();
        for (var point = 0; ; point++)
        {
            var afterWrite = point % 2 == 1;
            Lab.Crashes.CrashAt(point, afterWrite);
            var run = Lab.RunAsync(operation());
            if (await Task.WhenAny(run, Lab.Crashes.Crashed.WaitAsync(TimeSpan.FromSeconds(120))) == run)
            {
                Lab.Crashes.Disarm();
                var result = await run;
                Assert.True(result.Succeeded, $"[{Lab.Host.Name}] the uninterrupted run: {result.Error}");
                Assert.True(point >= minimumPoints, $"{operation().Action} should write ahead at least {minimumPoints} times, wrote {point}");
                return;
            }

            var lines = await Lab.NewEngine().ReconcileAsync();

            var where = $"[{Lab.Host.Name}] {operation().Action} killed at point {point} ({(afterWrite ? "after" : "before")} its write)";
            Assert.True(lines.Count == 1 && lines[0].Contains("undone"), $"{where}: {string.Join("; ", lines)}");
            Assert.Empty(await Lab.Journal.PendingAsync());
            var after = await SnapshotAsync();
            Assert.True(before == after, $"{where}: the host differs\n--- before\n{before}\n--- after\n{after}");
        }
    }

    /// <summary>The pool listing, the console's private directory, and the shared data, as text.</summary>
    private async Task<string> SnapshotAsync() =>
        $"{await Lab.ListingAsync()}\nprivate: {string.Join(",", Lab.PrivateMounts())}\n{Lab.Tree("/var/shared")}\n{Lab.Tree("/zones")}";
}

public sealed class CrashRecoveryOnSimulator : CrashRecovery<Simulated>;
public sealed class CrashRecoveryOnZfsFuse : CrashRecovery<ZfsFuse>;
