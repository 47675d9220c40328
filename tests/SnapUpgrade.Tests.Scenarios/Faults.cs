using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Fault injection: zfs fails at each step of create, activate and destroy in turn. The pool must
/// end exactly as before, or fully done; never in between. And a console killed during an
/// activation reconciles on restart.
/// </summary>
public abstract class Faults<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Create_FailingAtEachStep_LeavesThePoolAsBefore()
    {
        await Lab.MustAsync(new CreateZone("web"));
        var before = await Lab.ListingAsync();
        var steps = await ZfsStepsAsync(new CreateBe("be2"));
        Assert.True(steps >= 4, $"create should take several zfs steps, took {steps}");

        for (var i = 0; i < steps; i = Lane.NextFaultPoint(i, steps))
        {
            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(new CreateBe("be2"));
            Assert.True(result.Outcome == Outcome.Failed, $"fault at zfs step {i}: {result.Outcome}");
            Assert.Contains("injected fault", result.Error!.Message);
            Assert.Equal(before, await Lab.ListingAsync());
        }
    }

    [Fact]
    public async Task Activate_FailingAtEachStep_LeavesThePoolAsBefore()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2"));
        var before = await Lab.ListingAsync();
        var steps = await ZfsStepsAsync(new ActivateBe("be3"));
        Assert.True(steps >= 5, $"activate should promote twice, flip flags and commit; took {steps}");

        for (var i = 0; i < steps; i = Lane.NextFaultPoint(i, steps))
        {
            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(new ActivateBe("be3"));
            Assert.True(result.Outcome == Outcome.Failed, $"fault at zfs step {i}: {result.Outcome}");
            Assert.Equal(before, await Lab.ListingAsync());
        }
        await Lab.MustAsync(new ActivateBe("be3"));
        Assert.True((await Lab.StateAsync()).Find("be3")!.IsActiveOnReboot);
    }

    [Fact]
    public async Task Destroy_FailingAtEachStep_EndsAsBeforeOrFullyDone()
    {
        await Lab.MustAsync(new CreateZone("web"));
        var steps = 0;
        for (var i = 0; i == 0 || i < steps; i = Lane.NextFaultPoint(i, steps))
        {
            await Lab.MustAsync(new CreateBe("mid"));
            await Lab.MustAsync(new CreateBe("leaf", Source: "mid"));
            var before = await Lab.ListingAsync();
            if (i == 0) steps = await ZfsStepsAsync(new DestroyBe("mid"));

            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(new DestroyBe("mid"));

            var state = await Lab.StateAsync();
            if (result.Succeeded)
            {
                Assert.Null(state.Find("mid"));
                Assert.DoesNotContain("/mid@", state.Find("leaf")!.Origin ?? "");
            }
            else
            {
                Assert.Equal(before, await Lab.ListingAsync());
                Lab.Faults.Disarm();
                await Lab.MustAsync(new DestroyBe("mid"));
            }
            Assert.DoesNotContain(state.FindZone("web")!.BootEnvironments, zb => zb.IsOrphaned);
            await Lab.MustAsync(new DestroyBe("leaf"));
            Assert.Equal(["be1"], (await Lab.StateAsync()).BootEnvironments.Select(b => b.Name));
        }
        Assert.True(steps >= 4, $"destroy should promote, destroy zone BE, BE and origin; took {steps}");
    }

    [Fact]
    public async Task Activation_KilledHalfWay_IsReconciledOnRestart()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));
        var plan = await Lab.RunAsync(new ActivateBe("be2"), dryRun: true);
        var flagStep = plan.Steps.ToList().FindIndex(s => s.Argv.Contains("org.snapupgrade:active=on"));
        Assert.True(flagStep >= 0, "the plan flips a zone flag before the commit");

        // The console "dies" right after flipping the zone flags, before the commit (bootfs).
        Lab.Faults.HangAt(flagStep + 1);
        var abandoned = Lab.RunAsync(new ActivateBe("be2"));
        await Lab.Faults.Hung.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Single(await Lab.Journal.PendingAsync());
        var torn = await Lab.StateAsync();
        Assert.True(torn.FindZone("web")!.BootEnvironments.Single(zb => zb.ParentBeName == "be2").Active);
        Assert.False(abandoned.IsCompleted);

        Lab.Faults.Disarm();
        var restarted = Lab.NewEngine();
        var reconciled = await restarted.ReconcileAsync();

        var state = await restarted.GetStateAsync();
        Assert.True(state.Find("be1")!.IsActiveOnReboot);
        var zone = state.FindZone("web")!;
        Assert.True(zone.BootEnvironments.Single(zb => zb.ParentBeName == "be1").Active);
        Assert.False(zone.BootEnvironments.Single(zb => zb.ParentBeName == "be2").Active);
        Assert.Single(reconciled);
        Assert.Empty(await Lab.Journal.PendingAsync());
        Assert.Equal("interrupted", (await Lab.Journal.RecentAsync(1))[0].Outcome);
    }

    /// <summary>How many zfs commands the operation runs (its plan's zfs steps).</summary>
    private async Task<int> ZfsStepsAsync(IOperation operation)
    {
        var plan = await Lab.RunAsync(operation, dryRun: true);
        Assert.True(plan.Succeeded, plan.Error?.ToString());
        return plan.Steps.Count(s => s.Argv[0] is "zfs" or "zpool");
    }
}

public sealed class FaultsOnSimulator : Faults<Simulated>;
public sealed class FaultsOnZfsFuse : Faults<ZfsFuse>;
