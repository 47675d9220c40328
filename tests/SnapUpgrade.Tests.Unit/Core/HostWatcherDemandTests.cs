using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Tests.Support.Fakes;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// Issue 13: the watcher reads only when someone may need it. Nobody watching and nothing changed
/// through the engine: no read at all; a watching page: reads at its pace; readers of the latest
/// state share reads and get a state no older than the console's own last change.
/// </summary>
public sealed class HostWatcherDemandTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    // Many intervals: a watcher that read on its interval would read about 20 times in this time.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);

    private readonly FakeEngine _engine = new() { State = HostStates.With(HostStates.Be("a", booted: true)) };
    private readonly HostWatcher _watcher;

    public HostWatcherDemandTests()
    {
        _watcher = new HostWatcher(() => _engine, TimeSpan.FromMilliseconds(20), NullLogger<HostWatcher>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _watcher.StopAsync(CancellationToken.None);
        _watcher.Dispose();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task StartedAsync()
    {
        await _watcher.StartAsync(Ct);
        await HostWatcherTests.WaitUntil(() => _watcher.Current is not null);
    }

    [Fact]
    public async Task NobodyWatching_AfterTheFirstRead_NeverReads()
    {
        await StartedAsync();
        var reads = _engine.Reads;

        await Task.Delay(Quiet, Ct);
        using var passive = _watcher.Subscribe(_ => { }, watching: false);
        await Task.Delay(Quiet, Ct);

        Assert.Equal(1, reads);
        Assert.Equal(reads, _engine.Reads);
        Assert.False(_watcher.Watched);
    }

    [Fact]
    public async Task APageWatches_ReadsOnItsPace_UntilItLeaves()
    {
        await StartedAsync();

        var page = _watcher.Subscribe(_ => { });
        await HostWatcherTests.WaitUntil(() => _engine.Reads >= 4);
        page.Dispose();
        await Task.Delay(Quiet, Ct); // a read under way when it left may still end
        var after = _engine.Reads;
        await Task.Delay(Quiet, Ct);

        Assert.Equal(after, _engine.Reads);
    }

    [Fact]
    public async Task AChangeByTheEngine_Unwatched_IsReadOnceAfterItsNudge()
    {
        await StartedAsync();
        var seen = new List<HostState>();
        using var passive = _watcher.Subscribe(seen.Add, watching: false);

        _engine.Activity += 2; // an operation ran
        _engine.State = HostStates.With(HostStates.Be("b", booted: true));
        _watcher.Nudge();
        await HostWatcherTests.WaitUntil(() => seen.Count == 2);
        await Task.Delay(Quiet, Ct);

        // What the engine knows after its operation (ADR 0022), not a listing of the pool.
        Assert.Equal((1, 1), (_engine.Reads, _engine.KnownReads));
        Assert.Equal("b", seen[^1].BootEnvironments[0].Name);
    }

    [Fact]
    public async Task AChangeByTheEngine_IsPushedUncompared_AndAListingAfterItThatFindsTheSameHostIsNot()
    {
        await StartedAsync();
        var seen = new List<HostState>();
        using var passive = _watcher.Subscribe(seen.Add, watching: false);
        var same = _engine.State;

        _engine.Activity += 2; // an operation ran and changed nothing a page shows (one that failed and undid)
        _engine.State = same with { ReadAt = same.ReadAt.AddSeconds(1), BootEnvironments = [.. same.BootEnvironments] };
        _watcher.Nudge();
        await HostWatcherTests.WaitUntil(() => seen.Count == 2);
        // The engine's own change is not hashed to be compared (issue 13: 10 MB of JSON at 1000 BEs); a listing is,
        // against the state pushed last, worked out then.
        _engine.State = same with { ReadAt = same.ReadAt.AddSeconds(2), BootEnvironments = [.. same.BootEnvironments] };
        await _watcher.ReadOnceAsync(Ct);

        Assert.Equal(2, seen.Count);
        Assert.Equal(same.ReadAt.AddSeconds(2), _watcher.Current!.ReadAt);
    }

    [Fact]
    public async Task Latest_Fresh_IsTheLastReadWithoutReading()
    {
        await StartedAsync();
        using var page = _watcher.Subscribe(_ => { });
        _watcher.KeepWatching(TimeSpan.FromMinutes(1));

        var latest = await _watcher.LatestAsync(Ct);

        Assert.Same(_watcher.Current, latest);
    }

    [Fact]
    public async Task Latest_AfterTheEngineChangedTheHost_IsANewReadSharedByConcurrentReaders()
    {
        await StartedAsync();
        var before = _engine.Reads + _engine.KnownReads;
        _engine.Activity += 2;
        _engine.State = HostStates.With(HostStates.Be("c", booted: true));
        _engine.DuringRead = () => Thread.Sleep(50);

        var readers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _watcher.LatestAsync(Ct)));

        Assert.All(readers, state => Assert.Equal("c", state.BootEnvironments[0].Name));
        Assert.InRange(_engine.Reads + _engine.KnownReads - before, 1, 2); // one read, or two when some asked while the first ran
    }

    [Fact]
    public async Task Latest_TheReadFails_ThrowsItsError()
    {
        await StartedAsync();
        _engine.Activity += 2;
        _engine.Failure = new IOException("pool suspended");

        var error = await Assert.ThrowsAsync<IOException>(() => _watcher.LatestAsync(Ct).WaitAsync(Wait, Ct));

        Assert.Equal("pool suspended", error.Message);
    }

    [Fact]
    public async Task Pace_AfterASlowRead_IsItsCostTimesTheFactor()
    {
        _engine.DuringRead = () => Thread.Sleep(40);

        await _watcher.ReadOnceAsync(Ct);

        Assert.True(_watcher.Pace >= TimeSpan.FromMilliseconds(40 * HostWatcher.ReadCostFactor),
            $"pace {_watcher.Pace} after a read of at least 40 ms");
    }

    [Fact]
    public async Task Pace_AfterAnOperation_StillFollowsWhatAListingCosts()
    {
        _engine.DuringRead = () => Thread.Sleep(40);
        await StartedAsync(); // its first read is a listing of 40 ms
        var seen = 0;
        using var passive = _watcher.Subscribe(_ => seen++, watching: false);

        _engine.Activity += 2; // an operation ran: the watcher takes what the engine knows, at once
        _engine.State = HostStates.With(HostStates.Be("d", booted: true));
        _watcher.Nudge();
        await HostWatcherTests.WaitUntil(() => _engine.KnownReads == 1 && seen >= 2);

        Assert.True(_watcher.Pace >= TimeSpan.FromMilliseconds(40 * HostWatcher.ReadCostFactor),
            $"pace {_watcher.Pace}: a quick known state must not make slow listings come often");
    }

    [Fact]
    public async Task KeepWatching_ALease_ReadsWhileItLasts()
    {
        await StartedAsync();

        _watcher.KeepWatching(TimeSpan.FromMilliseconds(300));
        await HostWatcherTests.WaitUntil(() => _engine.Reads >= 3);
        await Task.Delay(TimeSpan.FromMilliseconds(300) + Quiet, Ct);
        var after = _engine.Reads;
        await Task.Delay(Quiet, Ct);

        Assert.Equal(after, _engine.Reads);
        Assert.False(_watcher.Watched);
    }
}
