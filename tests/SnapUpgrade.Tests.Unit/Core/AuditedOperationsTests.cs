using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// The one door nudges the host watcher itself: after a real run every browser sees the result at once,
/// whether the request came from a page or the API; a dry run changed nothing and reads nothing again.
/// </summary>
public sealed class AuditedOperationsTests : IDisposable
{
    private static readonly Actor Alice = new("alice", Role.Admin, "console");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A booted simulated host, the engine over it, and the door with a recording stream.</summary>
    private async Task<(AuditedOperations Operations, RecordingStream Stream, SqliteAuditLog Audit)> OpenAsync()
    {
        var host = await BootedAsync();
        var database = SqliteDatabase.InDataDir(_dir.Path);
        var engine = new BeEngine(host, host, host, new SqliteOperationJournal(database), new EngineOptions { Pool = Pool });
        var audit = new SqliteAuditLog(database);
        var stream = new RecordingStream(engine);
        return (new AuditedOperations(engine, audit, stream), stream, audit);
    }

    [Fact]
    public async Task RunAsync_RealRun_NudgesOnceAfterTheChangeIsMade()
    {
        var (operations, stream, _) = await OpenAsync();

        var result = await operations.RunAsync(Alice, new CreateBe("be2"), dryRun: false, ct: Ct);

        Assert.True(result.Succeeded, result.Error?.Message);
        // The watcher, reading when nudged, finds the new BE: the nudge came after the run, not before.
        Assert.Equal([true], stream.SawBe("be2"));
    }

    [Fact]
    public async Task RunAsync_DryRun_DoesNotNudge()
    {
        var (operations, stream, audit) = await OpenAsync();

        var result = await operations.RunAsync(Alice, new CreateBe("be2"), dryRun: true, ct: Ct);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Empty(stream.Nudges);
        Assert.Single((await audit.QueryAsync(new AuditQuery(), Ct)).Entries); // audited all the same
    }

    [Fact]
    public async Task RunAsync_RealRunRefused_StillNudges()
    {
        var (operations, stream, _) = await OpenAsync();

        var result = await operations.RunAsync(Alice with { Role = Role.Auditor }, new CreateBe("be2"), dryRun: false, ct: Ct);

        Assert.Equal(Outcome.Refused, result.Outcome);
        Assert.Equal([false], stream.SawBe("be2"));
    }

    /// <summary>A watcher that reads the engine's state at each nudge, as the real one does next.</summary>
    private sealed class RecordingStream(IEngine engine) : IHostStateStream
    {
        public List<HostState> Nudges { get; } = [];
        public HostState? Current => Nudges.LastOrDefault();
        public string? Error => null;

        public IDisposable Subscribe(Action<HostState> onChange, bool watching) => throw new NotSupportedException();
        public IDisposable SubscribeErrors(Action<string?> onError) => throw new NotSupportedException();
        public Task<HostState> LatestAsync(CancellationToken ct = default) => throw new NotSupportedException();
        public void Nudge() => Nudges.Add(engine.GetStateAsync().GetAwaiter().GetResult());

        public IEnumerable<bool> SawBe(string name) => Nudges.Select(state => state.Find(name) is not null);
    }
}
