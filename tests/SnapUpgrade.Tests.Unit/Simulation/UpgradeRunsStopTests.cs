using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>
/// The console stopping while an upgrade's command runs (<see cref="UpgradeRuns.StopAsync"/>), on the demo host: the
/// command is cancelled, the BE finished failed and unmounted before the stop returns, the system's cancel and the
/// run's row are audited, and nothing starts afterwards. The follow stream says each step as it comes.
/// </summary>
public sealed class UpgradeRunsStopTests : IDisposable
{
    private static readonly EngineOptions Options = new() { Pool = "rpool", CanBootInProcess = true };
    private readonly TempDir _dataDir = new();

    public void Dispose() => _dataDir.Dispose();

    [Fact]
    public async Task Stop_WhileTheCommandRuns_FinishesTheBeFailedBeforeItReturns_AndNothingStartsAfter()
    {
        var database = SqliteDatabase.InDataDir(_dataDir.Path);
        var journal = new SqliteOperationJournal(database);
        var audit = new SqliteAuditLog(database);
        var host = new SimulatedZfs();
        Assert.True(await DemoHost.SeedAsync(host, Options, journal, audit, Ct));
        var engine = new BeEngine(host, host, host, journal, Options, staging: host);
        // A line a minute: the stop comes while the command is at its first.
        var command = new SimulatedUpgradeCommand(host, TimeSpan.FromMinutes(10), pace: TimeSpan.FromMinutes(1));
        var runs = new UpgradeRuns(engine, new AuditedOperations(engine, audit), audit, command, new UpgradeRunOptions(), TimeProvider.System);
        var admin = new Actor("ann", Role.Admin, "test");
        var id = (await runs.StartAsync(admin, new UpgradeOrder("be-stop"), Ct)).Run!.Id;
        var steps = new List<string>();
        await foreach (var e in runs.FollowAsync(id, 0, Ct))
        {
            if (e.Step is { } step) steps.Add(step);
            if (e.Step == "running the package command") break;
        }

        Assert.True(steps[^1] == "running the package command",
            string.Join("; ", (await runs.GetAsync(id, Ct))!.Parts.Select(p => $"{p.Action} {p.Outcome} {p.Error?.Message}"))); // else: why it ended
        await runs.StopAsync(Ct);

        // Each step once, in the run's order, from the one it was at when followed.
        string[] order = ["starting", "creating be-stop", "staging be-stop", "running the package command"];
        Assert.Equal(order.Where(steps.Contains), steps);
        var view = (await runs.GetAsync(id, Ct))!;
        Assert.Equal((UpgradeState.Failed, CommandEnd.Cancelled), (view.State, view.Ran?.End));
        var be = (await engine.GetStateAsync(Ct)).Find("be-stop")!;
        Assert.Equal((UserProperties.UpgradeFailed, (string?)null), (be.Upgrade, be.MountedAt));
        Assert.Empty(await host.ListStagingAsync(Ct));
        var cancelled = Assert.Single((await audit.QueryAsync(new AuditQuery(Action: "cancel-upgrade"), Ct)).Entries);
        Assert.Equal(("system", "be-stop"), (cancelled.Actor, cancelled.Target));
        var row = Assert.Single((await audit.QueryAsync(new AuditQuery(Action: UpgradeRuns.Action), Ct)).Entries);
        Assert.Equal(("ann", "failed"), (row.Actor, row.Outcome));
        var after = await runs.StartAsync(admin, new UpgradeOrder("be-late"), Ct);
        Assert.Equal(ErrorCode.Busy, after.Refused?.Code);
        Assert.Null((await engine.GetStateAsync(Ct)).Find("be-late"));
    }
}
