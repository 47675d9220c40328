using System.Text.Json;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Remote;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra.Remote;

/// <summary>What crosses the engine's socket reads back as it was written: every operation, a whole host, a result.</summary>
public sealed class EngineProtocolTests
{
    public static TheoryData<IOperation> Operations() =>
    [
        new CreateBe("new", "be1@snap", "a description"), new ActivateBe("be2", Temporary: true), new DestroyBe("old", ForceUnmount: true),
        new MountBe("be2", "/mnt/x", SharedReadWrite: true), new UnmountBe("be2"), new RenameBe("a", "b"),
        new CreateZone("web"), new DestroyZone("web"), new CheckSharedHealth(), new InitShared(), new MigrateShared("be2"),
        new RebootHost("be2"), new EndTrial("be2", Failed: true, Reason: "health"), new SnapshotBe("be2", "s1"), new DestroySnapshot("be2", "s1"),
        new RollbackBe("be2", "s1"), new CarryOver("be2"), new ForgetOneShot("be2"), new StageUpgrade("be2", StagingMiB: 64),
        new FinishUpgrade("be2", Passed: true), new ApplyStagedWrites("be2"), new ClearUpgrade("be2"),
    ];

    [Theory]
    [MemberData(nameof(Operations))]
    public void RunRequest_EveryOperation_ReadsBackEqual(IOperation operation)
    {
        var request = new EngineRunRequest(operation, new Actor("ann", Role.Operator, "api"), DryRun: true, Reviewed: "token");

        var json = JsonSerializer.Serialize(request, EngineProtocol.Json);
        var back = JsonSerializer.Deserialize<EngineRunRequest>(json, EngineProtocol.Json)!;

        Assert.Equal(operation, back.Operation);
        Assert.Equal(request with { Operation = back.Operation }, back);
    }

    [Fact]
    public void Upgrades_TheStartAndAFollowedEnd_ReadBackAsSent()
    {
        var start = new EngineUpgradeStart(new UpgradeOrder("be3", "be1@s", "December", Activate: true), new Actor("ann", Role.Operator, "api"));
        var view = new UpgradeView("a1b2", "be3", "be1@s", "ann", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(2),
            UpgradeState.Failed, "done", ["dpkg", "--root=/r", "-i", "x.deb"], Activate: true,
            new UpgradeCommandEnd(CommandEnd.Cancelled, null, "cancelled after 3 s", 3.2), ["/var/shared/log/dpkg.log appended"],
            [new OperationResult { Action = "create", Target = "be3", Outcome = Outcome.Succeeded }], Activated: null, "cancelled", Lines: 42);
        var end = new UpgradeEvent(42, null, view);

        var startJson = JsonSerializer.Serialize(start, EngineProtocol.Json);
        var endJson = JsonSerializer.Serialize(end, EngineProtocol.Json);

        Assert.Equal(start, JsonSerializer.Deserialize<EngineUpgradeStart>(startJson, EngineProtocol.Json));
        Assert.Equal(endJson, JsonSerializer.Serialize(JsonSerializer.Deserialize<UpgradeEvent>(endJson, EngineProtocol.Json), EngineProtocol.Json));
        Assert.Contains("\"state\":\"Failed\"", endJson);
        var step = new UpgradeEvent(7, null, null, "running the package command");
        Assert.Equal(step, JsonSerializer.Deserialize<UpgradeEvent>(JsonSerializer.Serialize(step, EngineProtocol.Json), EngineProtocol.Json));
    }

    [Fact]
    public void Operations_TheListAbove_IsEveryOperationOfTheCore()
    {
        var core = typeof(IOperation).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IOperation).IsAssignableFrom(t)).Select(t => t.Name).Order();

        Assert.Equal(core, Operations().Select(row => row.Data.GetType().Name).Order());
    }

    [Fact]
    public void HostState_ReadBack_HasTheSameFingerprint()
    {
        var listing = new PoolListing(new PoolInfo("rpool", "ONLINE", "rpool/ROOT/a", null, "1", 100, 40, 60),
        [
            new() { Name = "rpool", Kind = DatasetKind.Filesystem },
            new() { Name = "rpool/ROOT", Kind = DatasetKind.Filesystem, MountPoint = "none" },
            new() { Name = "rpool/ROOT/a", Kind = DatasetKind.Filesystem, MountPoint = "/", Mounted = true, Uuid = "u-a", CanMount = "noauto" },
            new() { Name = "rpool/ROOT/a@s1", Kind = DatasetKind.Snapshot, ConsoleMade = "on" },
            new() { Name = "rpool/ROOT/b", Kind = DatasetKind.Filesystem, MountPoint = "/", Origin = "rpool/ROOT/a@s1", Uuid = "u-b", CanMount = "noauto" },
            new() { Name = "rpool/VARSHARED", Kind = DatasetKind.Filesystem, MountPoint = "/var/shared", Mounted = true },
        ]);
        var state = HostStateReader.Read(listing, DateTimeOffset.UnixEpoch);

        var back = JsonSerializer.Deserialize<EngineStateEvent>(JsonSerializer.Serialize(new EngineStateEvent(state, null), EngineProtocol.Json),
            EngineProtocol.Json)!.State!;

        Assert.Equal(HostWatcher.Fingerprint(state), HostWatcher.Fingerprint(back));
        Assert.Equal(["a", "b"], back.BootEnvironments.Select(b => b.Name));
        Assert.Equal("a", back.Booted?.Name);
    }

    [Fact]
    public void OperationResult_ReadBack_KeepsCodeStepsAndToken()
    {
        var result = new OperationResult
        {
            Action = "destroy", Target = "old", Outcome = Outcome.Refused, DryRun = true, PlanToken = "t",
            Error = new OperationError(ErrorCode.BeIsMounted, "Boot environment 'old' is mounted."),
            Steps = [new PlannedStep(1, "destroy", ["zfs", "destroy", "rpool/ROOT/old"])], Duration = TimeSpan.FromMilliseconds(12), JournalId = 4,
        };

        var back = JsonSerializer.Deserialize<OperationResult>(JsonSerializer.Serialize(result, EngineProtocol.Json), EngineProtocol.Json)!;

        Assert.Equal(result.Error, back.Error);
        Assert.Equal(result.Steps.Single().Argv, back.Steps.Single().Argv);
        Assert.Equal((result.Outcome, result.PlanToken, result.Duration, result.JournalId), (back.Outcome, back.PlanToken, back.Duration, back.JournalId));
    }

    [Fact]
    public void Mismatch_NamesBothVersionsAndWhatToDo()
    {
        Assert.Equal("The engine speaks protocol 2, this web speaks 1: upgrade both packages (snapupgrade-engine and snapupgrade-web come from one release).",
            EngineProtocol.Mismatch("2", "1"));
    }
}
