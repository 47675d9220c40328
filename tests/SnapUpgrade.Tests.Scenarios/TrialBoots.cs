using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Trial boots end to end on the lab host (issue 11 point 5): a one-shot activation is a trial; after
/// its boot a real health command (a real process) keeps the BE or fails the trial, audited as the
/// system; Go back cancels or ends a trial. The in-process boot stands in for the host's reboot.
/// </summary>
public abstract class TrialBoots<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    static readonly Actor Olga = new("olga", Role.Operator, "10.0.0.9");

    SqliteAuditLog Audit => new(Lab.Database);
    AuditedOperations Operations => new(Lab.Engine, Audit);

    TrialJudge Judge(params string[] argv) => new(Lab.Engine, Operations,
        new HealthCommand(argv, TimeSpan.FromSeconds(2), new ProcessRunner(), retryEvery: TimeSpan.FromMilliseconds(200)));

    async Task<BootEnvironment> TrialOfBe2BootedAsync()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        var tried = await Operations.RunAsync(Olga, new ActivateBe("be2", Temporary: true));
        Assert.True(tried.Succeeded, $"[{Lab.Host.Name}] {tried.Error}");
        var before = (await Lab.StateAsync()).Find("be2")!;
        Assert.Equal((TrialState.Pending, true, false), (before.Trial, before.IsNextBoot, before.IsOnTrial));

        await Lab.MustAsync(new RebootHost());

        var state = await Lab.StateAsync();
        Assert.Equal("be2", state.Booted?.Name);
        Assert.Equal("be1", state.ActiveOnReboot?.Name);
        Assert.Equal("be2", state.OnTrial?.Name);
        return state.OnTrial!;
    }

    [Fact]
    public async Task Trial_HealthCommandFails_TrialFailsAndTheNextRebootGoesBack()
    {
        await TrialOfBe2BootedAsync();

        var verdict = await Judge("/bin/false").JudgeIfDueAsync();

        Assert.NotNull(verdict);
        Assert.True(verdict.Succeeded, $"[{Lab.Host.Name}] {verdict.Error}");
        Assert.Equal("trial-failed", verdict.Action);
        var failed = await Lab.StateAsync();
        Assert.Equal(TrialState.Failed, failed.Find("be2")!.Trial);
        Assert.Equal("be1", failed.ActiveOnReboot?.Name);
        var row = Assert.Single((await Audit.QueryAsync(new AuditQuery(Action: "trial-failed"))).Entries);
        Assert.Equal(("system", "be2", "succeeded"), (row.Actor, row.Target, row.Outcome));
        Assert.Contains("/bin/false", row.Message);

        await Lab.MustAsync(new RebootHost());

        var back = await Lab.StateAsync();
        Assert.Equal("be1", back.Booted?.Name);
        Assert.Null(back.OnTrial);
        // A failed trial is judged once: the judge has nothing more to do.
        Assert.Null(await Judge("/bin/true").JudgeIfDueAsync());
    }

    [Fact]
    public async Task Trial_HealthCommandPasses_KeepsTheBeForEveryLaterBoot()
    {
        await TrialOfBe2BootedAsync();

        var verdict = await Judge("/bin/true").JudgeIfDueAsync();

        Assert.NotNull(verdict);
        Assert.Equal(("activate", "be2", true), (verdict.Action, verdict.Target, verdict.Succeeded));
        var kept = await Lab.StateAsync();
        Assert.Equal("be2", kept.ActiveOnReboot?.Name);
        Assert.Equal(TrialState.None, kept.Find("be2")!.Trial);
        Assert.Null(kept.OnTrial);
        var row = Assert.Single((await Audit.QueryAsync(new AuditQuery(Action: "activate"))).Entries);
        Assert.Equal(("system", "be2"), (row.Actor, row.Target));

        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", (await Lab.StateAsync()).Booted?.Name);
    }

    [Fact]
    public async Task Trial_KeptByHand_IsAPersistentActivationThatEndsTheTrial()
    {
        await TrialOfBe2BootedAsync();

        var kept = await Operations.RunAsync(Olga, new ActivateBe("be2"));

        Assert.True(kept.Succeeded, $"[{Lab.Host.Name}] {kept.Error}");
        Assert.Contains(kept.Steps, s => s.Description.Contains("its trial is over", StringComparison.Ordinal));
        var state = await Lab.StateAsync();
        Assert.Equal(("be2", TrialState.None), (state.ActiveOnReboot?.Name, state.Find("be2")!.Trial));
        // Nothing left for a health command to judge.
        Assert.Null(await Judge("/bin/false").JudgeIfDueAsync());
    }

    [Fact]
    public async Task GoBack_AfterTheTrialBoot_EndsItAndTheNextBootIsTheActiveBe()
    {
        await TrialOfBe2BootedAsync();

        var back = await Operations.RunAsync(Olga, new EndTrial("be2"));

        Assert.True(back.Succeeded, $"[{Lab.Host.Name}] {back.Error}");
        var state = await Lab.StateAsync();
        Assert.Equal(TrialState.None, state.Find("be2")!.Trial);
        Assert.Null(state.OnTrial);
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be1", (await Lab.StateAsync()).Booted?.Name);
        var row = Assert.Single((await Audit.QueryAsync(new AuditQuery(Action: "go-back"))).Entries);
        Assert.Equal(("olga", "be2", "succeeded"), (row.Actor, row.Target, row.Outcome));
    }

    [Fact]
    public async Task GoBack_BeforeTheTrialBoot_CancelsTheOneShotBoot()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be2", Temporary: true));

        await Lab.MustAsync(new EndTrial("be2"));

        var state = await Lab.StateAsync();
        Assert.Null(state.NextBoot);
        Assert.Equal(TrialState.None, state.Find("be2")!.Trial);
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be1", (await Lab.StateAsync()).Booted?.Name);
    }

    [Fact]
    public async Task Trial_RefusalsAndRoles_SayWhyAndChangeNothing()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();

        var notOnTrial = await Lab.RunAsync(new EndTrial("be2"));
        var failByOperator = await Operations.RunAsync(Olga, new EndTrial("be2", Failed: true));

        Assert.Equal((Outcome.Refused, ErrorCode.NotOnTrial), (notOnTrial.Outcome, notOnTrial.Error?.Code));
        Assert.Equal((Outcome.Refused, ErrorCode.Forbidden), (failByOperator.Outcome, failByOperator.Error?.Code));
        Assert.Equal(before, await Lab.ListingAsync());
        // Without a booted trial the judge runs nothing (not even the command).
        Assert.Null(await Judge("/bin/false").JudgeIfDueAsync());
    }

    [Fact]
    public async Task Trial_FailingAtEachStep_LeavesThePoolAsBefore()
    {
        await Lab.MustAsync(new CreateZone("web"));
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();
        var steps = (await Lab.RunAsync(new ActivateBe("be2", Temporary: true), dryRun: true)).Steps.Count;
        Assert.True(steps >= 3, $"a trial marks zone flags, the BE and the one-shot boot; planned {steps} steps");

        for (var i = 0; i < steps; i = Lane.NextFaultPoint(i, steps))
        {
            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(new ActivateBe("be2", Temporary: true));
            Assert.True(result.Outcome == Outcome.Failed, $"fault at zfs step {i}: {result.Outcome}");
            Assert.Equal(before, await Lab.ListingAsync());
        }
    }
}

public sealed class TrialBootsOnSimulator : TrialBoots<Simulated>;
public sealed class TrialBootsOnZfsFuse : TrialBoots<ZfsFuse>;
