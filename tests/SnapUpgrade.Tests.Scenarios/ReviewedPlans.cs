using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Reviewed = run (issue 9): a confirm with the dry run's plan token runs the argv the user reviewed
/// (the journal's recorded plan), names made up at planning included, or refuses and changes nothing.
/// </summary>
public abstract class ReviewedPlans<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    private readonly MovableClock _clock = new(DateTimeOffset.UtcNow);
    private BeEngine? _engine;

    /// <summary>The lab's engine with a clock the test moves: a review and its confirm are minutes apart.</summary>
    private BeEngine Engine => _engine ??= new BeEngine(Lab.Faults, Lab.Host.Mounts, Lab.Host.Files, Lab.Journal, new EngineOptions
    {
        Pool = Lab.Host.Pool, CanBootInProcess = true, TempRoot = EngineLab.TempRoot,
        LockTimeout = TimeSpan.FromSeconds(60),
    }, _clock);

    private async Task<OperationResult> MustAsync(IOperation operation, string? reviewed = null)
    {
        var result = await Engine.RunAsync(operation, new RunRequest { Reviewed = reviewed });
        Assert.True(result.Succeeded, $"[{Lab.Host.Name}] {operation.Action} {operation.Target}: {result.Outcome} {result.Error}");
        return result;
    }

    /// <summary>Dry run, five minutes, confirm with the token: the journal holds the reviewed argv, line for line.</summary>
    private async Task<(OperationResult Review, OperationResult Run)> ReviewThenConfirmAsync(IOperation operation)
    {
        var review = await Engine.RunAsync(operation, new RunRequest { DryRun = true });
        Assert.True(review.Succeeded, $"{review.Error}");
        Assert.NotNull(review.PlanToken);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var run = await MustAsync(operation, review.PlanToken);

        var journalled = (await Lab.Journal.RecentAsync(1)).Single();
        Assert.Equal(run.JournalId, journalled.Id);
        Assert.Equal(string.Join('\n', review.Steps.Select(s => s.CommandLine)), journalled.Plan);
        Assert.Equal(review.Steps.Select(s => s.Argv), run.Steps.Select(s => s.Argv));
        return (review, run);
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Create_ConfirmedWithTheReviewedToken_RunsTheReviewedSnapshotNameAndUuid()
    {
        var (review, _) = await ReviewThenConfirmAsync(new CreateBe("be2"));

        var state = await Lab.StateAsync();
        var be2 = state.Find("be2")!;
        var clone = review.Steps.Single(s => s.Argv is ["zfs", "clone", ..] && s.Argv[^1] == be2.Dataset).Argv;
        Assert.Contains($"{UserProperties.Uuid}={be2.Uuid}", clone);
        Assert.Contains(be2.Origin, clone); // the snapshot named at review time, not at confirm time
        Assert.Equal(Stamp(_clock.Started), be2.Origin!.Split('@')[1]);
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Snapshot_ConfirmedWithTheReviewedToken_TakesTheReviewedName()
    {
        var (review, _) = await ReviewThenConfirmAsync(new SnapshotBe("be1"));

        var name = Stamp(_clock.Started);
        Assert.Contains((await Lab.StateAsync()).Find("be1")!.Snapshots, s => s.ShortName == name);
        Assert.Contains(review.Steps, s => s.Argv.Any(a => a.EndsWith("@" + name, StringComparison.Ordinal)));
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Mount_ConfirmedWithTheReviewedToken_MountsAtTheReviewedPrivateDirectory()
    {
        await MustAsync(new CreateBe("be2"));

        var (review, _) = await ReviewThenConfirmAsync(new MountBe("be2"));

        var mountedAt = (await Lab.StateAsync()).Find("be2")!.MountedAt;
        Assert.StartsWith($"{EngineLab.TempRoot}/be-be2.", mountedAt);
        Assert.Contains(review.Steps, s => s.Argv.Contains($"mountpoint={mountedAt}"));
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Migrate_ConfirmedWithTheReviewedToken_UsesTheReviewedPrivateAndStagingDirectories()
    {
        await MustAsync(new CreateBe("be2"));

        var (review, _) = await ReviewThenConfirmAsync(new MigrateShared("be2"));

        Assert.Contains(review.Steps, s => s.Argv.Any(a => a.StartsWith($"mountpoint={EngineLab.TempRoot}/be-", StringComparison.Ordinal)));
        Assert.Contains(review.Steps, s => s.Argv.Any(a => a.Contains(SharedCopy.StagingDirectory + "/", StringComparison.Ordinal)));
        Assert.Empty(Lab.PrivateMounts());
    }

    [Fact]
    // Not in the OpenZFS guest: the token's match of run to review is the engine's own (107 s there); each operation's
    // argv, the same the review shows, runs on OpenZFS in the guest's lifecycle, deep-BE and fault tests.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task EveryOperation_ConfirmedWithTheReviewedToken_RunsTheReviewedArgv()
    {
        IOperation[] lifecycle =
        [
            new CreateZone("web"), new CreateBe("be2"), new SnapshotBe("be2"), new SnapshotBe("be2", "s1"), new MountBe("be2"),
            new UnmountBe("be2"), new RenameBe("be2", "be3"), new ActivateBe("be3"), new ActivateBe("be1"), new RollbackBe("be3", "s1"),
            new DestroySnapshot("be3", "s1"), new CheckSharedHealth(), new MigrateShared("be3"), new RebootHost(), new DestroyBe("be3"),
            new DestroyZone("web"),
        ];

        foreach (var operation in lifecycle) await ReviewThenConfirmAsync(operation);

        Assert.Equal(["be1"], (await Lab.StateAsync()).BootEnvironments.Select(b => b.Name));
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Confirm_ASnapshotOfTheReviewedNameTakenSince_IsRefusedAsPlanChangedAndChangesNothing()
    {
        var review = await Engine.RunAsync(new CreateBe("be2"), new RunRequest { DryRun = true });
        await MustAsync(new SnapshotBe("be1", Stamp(_clock.Started)));
        var before = await Lab.ListingAsync();

        var refused = await Engine.RunAsync(new CreateBe("be2"), new RunRequest { Reviewed = review.PlanToken });

        Assert.Equal(Outcome.Refused, refused.Outcome);
        Assert.Equal(ErrorCode.PlanChanged, refused.Error?.Code);
        Assert.Null(refused.JournalId);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task Confirm_TheSourceDestroyedSince_IsRefusedAsPlanChangedAndChangesNothing()
    {
        await MustAsync(new CreateBe("be2"));
        var review = await Engine.RunAsync(new CreateBe("be3", Source: "be2"), new RunRequest { DryRun = true });
        await MustAsync(new DestroyBe("be2"));
        var before = await Lab.ListingAsync();

        var refused = await Engine.RunAsync(new CreateBe("be3", Source: "be2"), new RunRequest { Reviewed = review.PlanToken });

        Assert.Equal(ErrorCode.PlanChanged, refused.Error?.Code);
        Assert.Contains("be2", refused.Error!.Message); // the reason the host gives now
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Confirm_ATokenOfAnotherRequest_IsRefusedAsPlanChanged()
    {
        var review = await Engine.RunAsync(new CreateBe("be2"), new RunRequest { DryRun = true });
        var before = await Lab.ListingAsync();

        var refused = await Engine.RunAsync(new CreateBe("other"), new RunRequest { Reviewed = review.PlanToken });

        Assert.Equal(ErrorCode.PlanChanged, refused.Error?.Code);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Confirm_GarbageTokens_AreRefusedAsInvalidAndChangeNothing()
    {
        var review = await Engine.RunAsync(new CreateBe("be2"), new RunRequest { DryRun = true });
        var token = review.PlanToken!;
        var flipped = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        var otherConsole = await Lab.NewEngine().RunAsync(new CreateBe("be2"), new RunRequest { DryRun = true });
        var before = await Lab.ListingAsync();

        foreach (var garbage in new[] { "", "not a token", "%00", flipped, token[..^2], token + "AA", new string('A', 5000), otherConsole.PlanToken! })
        {
            var refused = await Engine.RunAsync(new CreateBe("be2"), new RunRequest { Reviewed = garbage });
            Assert.True(refused.Error?.Code == ErrorCode.InvalidPlanToken, $"'{garbage}': {refused.Outcome} {refused.Error}");
        }
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Confirm_AReviewedPlanThatRanAlready_IsRefusedSoNoTwoBesShareAUuid()
    {
        await MustAsync(new SnapshotBe("be1", "s1"));
        var review = await Engine.RunAsync(new CreateBe("be2", Source: "be1@s1"), new RunRequest { DryRun = true });
        await MustAsync(new CreateBe("be2", Source: "be1@s1"), review.PlanToken);
        await MustAsync(new RenameBe("be2", "be9"));
        var before = await Lab.ListingAsync();

        var again = await Engine.RunAsync(new CreateBe("be2", Source: "be1@s1"), new RunRequest { Reviewed = review.PlanToken });

        Assert.Equal(ErrorCode.InvalidPlanToken, again.Error?.Code);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the token's own logic; each reviewed argv and a host that moved run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Run_WithoutAToken_PlansFreshAsBefore()
    {
        var review = await Engine.RunAsync(new CreateBe("be2"), new RunRequest { DryRun = true });
        _clock.Advance(TimeSpan.FromMinutes(5));

        var run = await MustAsync(new CreateBe("be2"));

        Assert.NotEqual(review.Steps.Select(s => s.CommandLine), run.Steps.Select(s => s.CommandLine));
        Assert.Equal(Stamp(_clock.GetUtcNow()), (await Lab.StateAsync()).Find("be2")!.Origin!.Split('@')[1]);
    }

    /// <summary>A snapshot name made at <paramref name="time"/>.</summary>
    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A clock that stands still until the test moves it.</summary>
    private sealed class MovableClock(DateTimeOffset started) : TimeProvider
    {
        private TimeSpan _moved;

        public DateTimeOffset Started { get; } = started;

        public void Advance(TimeSpan by) => _moved += by;

        public override DateTimeOffset GetUtcNow() => Started + _moved;
    }
}

public sealed class ReviewedPlansOnSimulator : ReviewedPlans<Simulated>;
public sealed class ReviewedPlansOnZfsFuse : ReviewedPlans<ZfsFuse>;
