using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>Bad input and forbidden states: the right code, a clear message, and not one change.</summary>
public abstract class Refusals<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    public static TheoryData<string> BadNames =>
    [
        "", "-rf", ".hidden", "a/b", "a b", "a@b", "x;rm -rf /", "tab\there", "new\nline", "é", "$(reboot)",
        new string('a', 65), "../../etc",
    ];

    [Theory]
    [MemberData(nameof(BadNames))]
    // Not in the OpenZFS guest: refused before any zfs command.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Create_WithBadName_IsRefusedAsInvalidName(string name)
    {
        var before = await Lab.ListingAsync();

        var result = await Lab.RunAsync(new CreateBe(name));

        Assert.Equal((Outcome.Refused, ErrorCode.InvalidName), (result.Outcome, result.Error?.Code));
        Assert.DoesNotContain('\n', result.Error!.Message);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    public static TheoryData<string> BadDescriptions => ["two\nlines", "a\ttab", new string('d', CreateBe.MaxDescriptionLength + 1)];

    [Theory]
    [MemberData(nameof(BadDescriptions))]
    // Not in the OpenZFS guest: refused before any zfs command.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Create_WithBadDescription_IsRefusedAsInvalidDescription(string description)
    {
        var before = await Lab.ListingAsync();

        var result = await Lab.RunAsync(new CreateBe("be2", Description: description));

        Assert.Equal((Outcome.Refused, ErrorCode.InvalidDescription), (result.Outcome, result.Error?.Code));
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Theory]
    [InlineData("nosuch", ErrorCode.InvalidSource)]
    [InlineData("be1@nosnap", ErrorCode.SnapshotNotFound)]
    [InlineData("be1@", ErrorCode.InvalidSource)]
    [InlineData("@snap", ErrorCode.InvalidSource)]
    [InlineData("be1@a@b", ErrorCode.InvalidSource)]
    [InlineData("rpool/ROOT/be1", ErrorCode.InvalidSource)]
    // Not in the OpenZFS guest: refused before any zfs command.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Create_WithBadSource_IsRefusedAndChangesNothing(string source, ErrorCode expected)
    {
        var before = await Lab.ListingAsync();

        var result = await Lab.RunAsync(new CreateBe("be2", source));

        Assert.Equal((Outcome.Refused, expected), (result.Outcome, result.Error?.Code));
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task ForbiddenStates_AreRefusedWithTheirCode()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("kept"));
        await Lab.Host.Zfs.ExecuteAsync(new Core.Zfs.ZfsSet((await Lab.StateAsync()).Find("kept")!.Dataset, Core.Zfs.UserProperties.Keep, "on"));
        await Lab.MustAsync(new MountBe("be2", "/mnt/be2"));
        var before = await Lab.ListingAsync();

        (IOperation Operation, ErrorCode Code)[] cases =
        [
            (new DestroyBe("be1"), ErrorCode.BeIsBooted),
            (new RenameBe("be1", "x"), ErrorCode.BeIsBooted),
            (new DestroyBe("kept"), ErrorCode.BeIsKept),
            (new DestroyBe("be2"), ErrorCode.BeIsMounted),
            (new RenameBe("be2", "x"), ErrorCode.BeIsMounted),
            (new RenameBe("kept", "be2"), ErrorCode.AlreadyExists),
            (new CreateBe("be2"), ErrorCode.AlreadyExists),
            (new ActivateBe("nosuch"), ErrorCode.NotFound),
            (new MountBe("be1"), ErrorCode.BeIsBooted),
            (new MountBe("kept", "relative/path"), ErrorCode.InvalidPath),
            (new MountBe("kept", "/var/shared/x"), ErrorCode.InvalidPath),
            (new UnmountBe("kept"), ErrorCode.BeNotMounted),
            (new RollbackBe("be1", "x"), ErrorCode.BeIsBooted),
            (new DestroySnapshot("kept", "nosnap"), ErrorCode.SnapshotNotFound),
            (new DestroyZone("nozone"), ErrorCode.ZoneNotFound),
        ];
        foreach (var (operation, code) in cases)
        {
            var result = await Lab.RunAsync(operation);
            Assert.True(result.Outcome == Outcome.Refused && result.Error?.Code == code,
                $"{operation}: expected {code}, got {result.Outcome} {result.Error}");
            Assert.False(string.IsNullOrWhiteSpace(result.Error!.Message));
        }
        Assert.Equal(before, await Lab.ListingAsync());
        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task DestroyActiveOnReboot_IsRefused()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be2"));

        var result = await Lab.RunAsync(new DestroyBe("be2"));

        Assert.Equal(ErrorCode.BeIsActiveOnReboot, result.Error?.Code);
    }
}

public sealed class RefusalsOnSimulator : Refusals<Simulated>;
public sealed class RefusalsOnZfsFuse : Refusals<ZfsFuse>;

/// <summary>Renames zfs itself could not finish: refused up front, on both backends alike.</summary>
public abstract class RenameRefusals<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Rename_OriginOfTheBootedBe_IsRefusedAsDependentMounted()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2"));
        await Lab.MustAsync(new ActivateBe("be3", Temporary: true));
        await Lab.MustAsync(new RebootHost());
        // be3 is booted for this once, still a clone of be2; be2 is neither booted nor active.
        Assert.True((await Lab.StateAsync()).Find("be3")!.IsBooted);
        var before = await Lab.ListingAsync();

        var result = await Lab.RunAsync(new RenameBe("be2", "renamed"));

        Assert.Equal(ErrorCode.DependentMounted, result.Error?.Code);
        Assert.Contains("be3", result.Error!.Message);
        Assert.Equal(before, await Lab.ListingAsync());
    }
}

public sealed class RenameRefusalsOnSimulator : RenameRefusals<Simulated>;
public sealed class RenameRefusalsOnZfsFuse : RenameRefusals<ZfsFuse>;

/// <summary>A second console on the same pool and journal: it reads, but changes and reconciles nothing.</summary>
public abstract class StandbyEngine<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Standby_AnotherConsoleHoldsTheEngine_RefusesChangesAndLeavesItsJournalAlone()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.Journal.BeginAsync(new SnapUpgrade.Core.Engine.JournalEntry { Action = "activate", Target = "be2" }); // the first console's, running
        var before = await Lab.ListingAsync();
        var standby = Lab.NewEngine(standby: "Another console (pid 1) runs the engine of this pool.");

        var refused = await standby.RunAsync(new ActivateBe("be2"));
        var dryRun = await standby.RunAsync(new ActivateBe("be2"), dryRun: true);
        var reconciled = await standby.ReconcileAsync();

        Assert.Equal(ErrorCode.OtherConsole, refused.Error?.Code);
        Assert.Contains("pid 1", refused.Error!.Message);
        Assert.True(dryRun.Succeeded);
        Assert.Empty(reconciled);
        Assert.Single(await Lab.Journal.PendingAsync()); // the running activation stays the first console's
        Assert.Equal(before, await Lab.ListingAsync());
    }
}

public sealed class StandbyEngineOnSimulator : StandbyEngine<Simulated>;
