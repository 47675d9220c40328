using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Tests.Support.Fakes;
using Xunit;
using static SnapUpgrade.Tests.Unit.Core.HostWatcherTests;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// ADR 0023: where the host reports its changes, a watched watcher reads after a change instead of every
/// pace: a burst settled into one read, what a change names read alone, the engine's own changes not at
/// all, a safety listing after its span, and polling again while following is down. Counted at a fake
/// engine; every span the watcher waits is either far shorter than the test's waits or far longer.
/// </summary>
public sealed class HostWatcherChangesTests : IAsyncDisposable
{
    // Many intervals: a polling watcher would read about 20 times in this time.
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    private readonly FakeEngine _engine = new() { State = HostStates.With(HostStates.Be("a", booted: true)) };
    private readonly FakeHostChanges _changes = new();
    private HostWatcher? _watcher;
    private IDisposable? _page;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        _page?.Dispose();
        if (_watcher is null) return;
        await _watcher.StopAsync(CancellationToken.None);
        _watcher.Dispose();
    }

    /// <summary>A watcher a page watches, following: its start's listing and the one when following began are done.</summary>
    private async Task<HostWatcher> FollowingAsync(TimeSpan? settle = null, TimeSpan? safetyRead = null)
    {
        _watcher = new HostWatcher(() => _engine, Interval, NullLogger<HostWatcher>.Instance, () => _changes, safetyRead, settle ?? TimeSpan.FromMilliseconds(50));
        await _watcher.StartAsync(Ct);
        await WaitUntil(() => _watcher.Current is not null);
        Assert.Equal(1, _engine.Reads); // the start's

        _page = _watcher.Subscribe(_ => { });
        // Following began: what happened before it is unknown, so it lists once.
        await WaitUntil(() => _watcher.Following && _engine.Reads == 2);
        return _watcher;
    }

    [Fact]
    public async Task Following_NothingChanges_ReadsNothing()
    {
        await FollowingAsync();

        await Task.Delay(Quiet, Ct);

        Assert.Equal((2, 0, 0), (_engine.Reads, _engine.KnownReads, _engine.Rereads.Count));
    }

    [Fact]
    public async Task AChange_IsReadOnce()
    {
        await FollowingAsync();
        var seen = new List<HostState>();
        using var _ = _watcher!.Subscribe(seen.Add, watching: false);

        _engine.State = HostStates.With(HostStates.Be("b", booted: true));
        _changes.Push(HostChange.Anything(DateTimeOffset.UtcNow));
        await WaitUntil(() => _engine.Reads == 3);
        await Task.Delay(Quiet, Ct);

        Assert.Equal(3, _engine.Reads);
        Assert.Equal("b", seen[^1].BootEnvironments[0].Name);
    }

    [Fact]
    public async Task AChangeBeingRead_StaysPendingUntilItsReadAnswered()
    {
        // What a caller waiting for "nothing pending" relies on: not still counting a read of it under way.
        var watcher = await FollowingAsync();
        var pendingWhileRead = new List<bool>();
        _engine.DuringRead = () => pendingWhileRead.Add(watcher.ChangesPending);

        _changes.Push(HostChange.Anything(DateTimeOffset.UtcNow));
        await WaitUntil(() => _engine.Reads == 3 && !watcher.ChangesPending);

        Assert.Equal([true], pendingWhileRead);
    }

    [Fact]
    public async Task ABurst_SettlesIntoOneRead()
    {
        // A second to settle: the twenty changes below come within microseconds of each other.
        await FollowingAsync(settle: TimeSpan.FromSeconds(1));

        for (var i = 0; i < 20; i++) _changes.Push(HostChange.Anything(DateTimeOffset.UtcNow));
        await WaitUntil(() => _engine.Reads == 3);
        await Task.Delay(Quiet, Ct);

        Assert.Equal(3, _engine.Reads);
    }

    [Fact]
    public async Task AChangeNamingDatasets_RereadsThemAloneNotThePool()
    {
        await FollowingAsync(settle: TimeSpan.FromSeconds(1));

        _changes.Push("rpool/ROOT/a@hand");
        _changes.Push("rpool/ROOT/b");
        await WaitUntil(() => _engine.Rereads.Count == 1);
        await Task.Delay(Quiet, Ct);

        var scope = Assert.Single(_engine.Rereads);
        Assert.Equal(["rpool/ROOT/a@hand", "rpool/ROOT/b"], scope.Trees.Order(StringComparer.Ordinal));
        Assert.Empty(scope.Singles);
        Assert.Equal(2, _engine.Reads);
    }

    [Fact]
    public async Task AChangeNamingThePoolItself_IsAListing()
    {
        await FollowingAsync();

        _changes.Push("rpool"); // a property set on the pool's root: inherited by everything
        await WaitUntil(() => _engine.Reads == 3);

        Assert.Empty(_engine.Rereads);
    }

    [Fact]
    public async Task TheEnginesOwnChange_IsNotRead()
    {
        await FollowingAsync();
        var own = DateTimeOffset.UtcNow;
        _engine.Changing = moment => moment == own; // stamped while an operation ran: what the engine knows after it holds it

        _changes.Push(HostChange.Anything(own));
        _changes.Push(new HostChange(own.AddSeconds(1), ["rpool/ROOT/a@later"])); // someone else's, after it
        await WaitUntil(() => _engine.Rereads.Count == 1);

        Assert.Equal(2, _engine.Reads); // the first, read, would have made it a listing
    }

    [Fact]
    public async Task AChangeByHandWhileAnOperationRuns_IsKeptForAfterIt()
    {
        var watcher = await FollowingAsync();

        _engine.Activity = 1; // an operation runs: reads now are a moment in between, and not counted
        _changes.Push(HostChange.Anything(DateTimeOffset.UtcNow));
        await WaitUntil(() => watcher.ChangesPending && _engine.KnownReads >= 3);
        _engine.Activity = 2;
        watcher.Nudge(); // the operation's end: what the engine knows, which says nothing of the hand change
        await WaitUntil(() => _engine.Reads == 3);
    }

    [Fact]
    public async Task SafetyRead_WhileFollowing_ListsAgainAfterItsSpan()
    {
        await FollowingAsync(safetyRead: TimeSpan.FromMilliseconds(100));

        await WaitUntil(() => _engine.Reads >= 5);
    }

    [Fact]
    public async Task Latest_WhileFollowingAndNothingReported_IsTheLastReadWithoutReading()
    {
        var watcher = await FollowingAsync();
        await Task.Delay(Quiet, Ct); // far past the pace: a polling watcher's state would be stale

        var latest = await watcher.LatestAsync(Ct);

        Assert.Same(watcher.Current, latest);
        Assert.Equal(2, _engine.Reads);
    }

    [Fact]
    public async Task Latest_AChangeReportedNotReadYet_ReadsAtOnce()
    {
        var watcher = await FollowingAsync(settle: TimeSpan.FromMinutes(1));
        _engine.State = HostStates.With(HostStates.Be("c", booted: true));
        _changes.Push(HostChange.Anything(DateTimeOffset.UtcNow));
        await WaitUntil(() => watcher.ChangesPending);

        var latest = await watcher.LatestAsync(Ct);

        Assert.Equal("c", latest.BootEnvironments[0].Name);
        Assert.Equal(3, _engine.Reads);
    }

    [Fact]
    public async Task TheFollowerEnds_PollsUntilItFollowsAgain()
    {
        var watcher = await FollowingAsync();

        _changes.End();
        await WaitUntil(() => !watcher.Following);
        await WaitUntil(() => _engine.Reads >= 5); // polling at the interval meanwhile
        await WaitUntil(() => _changes.Starts == 2 && watcher.Following); // after a second's backoff
        await Task.Delay(Quiet, Ct); // its first listing may still be under way
        var reads = _engine.Reads;
        await Task.Delay(Quiet, Ct);

        Assert.Equal(reads, _engine.Reads);
    }

    [Fact]
    public async Task ThePageLeaves_StopsFollowing()
    {
        var watcher = await FollowingAsync();

        _page!.Dispose();
        await WaitUntil(() => _changes.Stops == 1);

        Assert.False(watcher.Following);
        Assert.False(watcher.Watched);
    }

    [Fact]
    public async Task NoChangesReported_PollsAsBefore()
    {
        _watcher = new HostWatcher(() => _engine, Interval, NullLogger<HostWatcher>.Instance, () => null);
        await _watcher.StartAsync(Ct);
        await WaitUntil(() => _watcher.Current is not null);

        _page = _watcher.Subscribe(_ => { });
        await WaitUntil(() => _engine.Reads >= 4);

        Assert.False(_watcher.Following);
    }
}
