using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Tests.Support.Fakes;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class HostWatcherTests : IDisposable
{
    /// <summary>How long a read the watcher was nudged to make may take: generous, it costs time only when the test fails.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly FakeEngine _engine = new();
    private readonly HostWatcher _watcher;

    public HostWatcherTests() =>
        _watcher = new HostWatcher(() => _engine, TimeSpan.FromMilliseconds(50), NullLogger<HostWatcher>.Instance);

    public void Dispose() => _watcher.Dispose();

    [Fact]
    public async Task ReadOnce_TwoDifferentStates_OneCallbackEach()
    {
        var seen = new List<HostState>();
        using var _ = _watcher.Subscribe(seen.Add);

        _engine.State = HostStates.With(HostStates.Be("a", booted: true));
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        _engine.State = HostStates.With(HostStates.Be("b", booted: true));
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b"], seen.Select(s => s.BootEnvironments[0].Name));
    }

    [Fact]
    public async Task ReadOnce_EqualStatesReadAtDifferentTimes_NoSecondCallback()
    {
        var seen = new List<HostState>();
        using var _ = _watcher.Subscribe(seen.Add);
        var state = HostStates.With(HostStates.Be("a", booted: true));

        _engine.State = state;
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        // A new, equal record: only the read time differs.
        _engine.State = state with { ReadAt = state.ReadAt.AddSeconds(1), BootEnvironments = [.. state.BootEnvironments] };
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);

        Assert.Single(seen);
        Assert.Equal(state.ReadAt.AddSeconds(1), _watcher.Current!.ReadAt); // how fresh it is, for /healthz and the API
    }

    [Fact]
    public async Task ReadOnce_EqualStateReadLater_KeepsThePushedListsForLaterSubscribers()
    {
        var state = HostStates.With(HostStates.Be("a", booted: true));
        _engine.State = state;
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        _engine.State = state with { ReadAt = state.ReadAt.AddSeconds(1), BootEnvironments = [.. state.BootEnvironments] };
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);

        HostState? later = null;
        using var _ = _watcher.Subscribe(s => later = s);

        // One copy of the BEs for every page, whenever it opened; the read time is the newer one.
        Assert.Same(state.BootEnvironments, later!.BootEnvironments);
        Assert.Equal(state.ReadAt.AddSeconds(1), later.ReadAt);
    }

    [Fact]
    public async Task Subscribe_AfterFirstRead_GetsCurrentAtOnce()
    {
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        HostState? first = null;

        using var _ = _watcher.Subscribe(s => first = s);

        Assert.Same(_watcher.Current, first);
    }

    [Fact]
    public async Task Dispose_Subscription_NoMoreCallbacks()
    {
        var count = 0;
        var subscription = _watcher.Subscribe(_ => count++);
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        subscription.Dispose();

        _engine.State = HostStates.With(HostStates.Be("other"));
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, count);
    }

    [Fact]
    public async Task ReadOnce_EngineFails_ReportsErrorOnceThenClearsIt()
    {
        var errors = new List<string?>();
        using var _ = _watcher.SubscribeErrors(errors.Add);

        _engine.Failure = new IOException("pool suspended");
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        _engine.Failure = null;
        await _watcher.ReadOnceAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["pool suspended", null], errors);
    }

    [Fact]
    public async Task Nudge_WhileRunning_ReadsBeforeTheInterval()
    {
        using var watcher = new HostWatcher(() => _engine, TimeSpan.FromSeconds(30), NullLogger<HostWatcher>.Instance);
        var changed = new TaskCompletionSource<HostState>(TaskCreationOptions.RunContinuationsAsynchronously);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        await WaitUntil(() => watcher.Current is not null);
        using var _ = watcher.Subscribe(s => { if (s.BootEnvironments.Count == 1) changed.TrySetResult(s); });

        _engine.State = HostStates.With(HostStates.Be("nudged", booted: true));
        watcher.Nudge();

        var state = await changed.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal("nudged", state.BootEnvironments[0].Name);
        await watcher.StopAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Waits (up to 30 s, a margin that costs time only when the test fails) until the condition holds.</summary>
    internal static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(condition());
    }
}
