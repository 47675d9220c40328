using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Zfs;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Core.HostWatcherTests;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// The watcher on the simulator as <c>EngineHost</c> composes it: following the simulator's own changes
/// (ADR 0023), so a watched, unchanged host is not listed, a change made beside the console is read alone,
/// and the engine's own changes (an operation, the audit's anchor) are not read at all. Counted at the
/// simulator's port, with a 20 ms interval: a polling watcher would list about 25 times in each quiet spell.
/// </summary>
public sealed class WatcherOnSimulatorTests : IAsyncDisposable
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    private readonly TempDir _dir = new();
    private HostWatcher? _watcher;
    private IDisposable? _page;

    public async ValueTask DisposeAsync()
    {
        _page?.Dispose();
        if (_watcher is not null)
        {
            await _watcher.StopAsync(CancellationToken.None);
            _watcher.Dispose();
        }
        _dir.Dispose();
    }

    [Fact]
    public async Task Watched_NothingChanges_ListsNothing()
    {
        var (host, _) = await FollowingAsync();
        var (listings, reads) = (host.Listings, host.ScopedReads);

        await Task.Delay(Quiet, Ct);

        Assert.Equal((listings, reads), (host.Listings, host.ScopedReads));
    }

    [Fact]
    public async Task ASnapshotBesideTheConsole_IsReadAloneAndShown()
    {
        var (host, _) = await FollowingAsync();
        var listings = host.Listings;

        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@beside"));
        await WaitUntil(() => _watcher!.Current!.AllSnapshots.Any(s => s.ShortName == "beside"));

        Assert.Equal(listings, host.Listings);
    }

    [Fact]
    public async Task TheEnginesOperationAndAnchor_AreNotReadBack()
    {
        var (host, engine) = await FollowingAsync();
        var (listings, reads) = (host.Listings, host.ScopedReads);

        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be2"), ct: Ct)).Outcome);
        _watcher!.Nudge(); // as AuditedOperations does after every operation
        await new ZfsAuditAnchor(host, Pool, engine).WriteAsync(new AuditHead("db", 7, "cafe"), Ct);
        await WaitUntil(() => _watcher.Current!.Find("be2") is not null);
        await Task.Delay(Quiet, Ct);

        Assert.Equal(listings, host.Listings);
        Assert.Equal(reads + 2, host.ScopedReads); // the create's own: what it touched, before and after
        Assert.False(_watcher.ChangesPending);
        Assert.Equal("db:7:cafe", (await host.FindAsync(Pool))!.AuditHead);
    }

    [Fact]
    public async Task TheAnchorSetBesideTheEngine_IsAChangeOfThePoolsRootAndListed()
    {
        // What the anchor written through the engine is spared: a set on the pool's root may change anything below it.
        var (host, _) = await FollowingAsync();
        var listings = host.Listings;

        await new ZfsAuditAnchor(host, Pool).WriteAsync(new AuditHead("db", 7, "cafe"), Ct);

        await WaitUntil(() => host.Listings == listings + 1);
    }

    /// <summary>A watcher a page watches, following the simulator: its start's listing and the one when following began are done.</summary>
    private async Task<(SimulatedZfs Host, BeEngine Engine)> FollowingAsync()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        _watcher = new HostWatcher(() => engine, TimeSpan.FromMilliseconds(20), NullLogger<HostWatcher>.Instance, () => host,
            settle: TimeSpan.FromMilliseconds(20));
        await _watcher.StartAsync(Ct);
        _page = _watcher.Subscribe(_ => { });
        await WaitUntil(() => _watcher.Following && _watcher.Current is not null && !_watcher.ChangesPending);
        await Task.Delay(100, Ct); // the listing when following began has ended
        return (host, engine);
    }
}
