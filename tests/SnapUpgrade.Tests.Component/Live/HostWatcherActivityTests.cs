using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Tests.Component.Fakes;
using Xunit;

namespace SnapUpgrade.Tests.Component.Live;

/// <summary>States read while the engine changes the host (a moment in between) are never pushed.</summary>
public sealed class HostWatcherActivityTests
{
    /// <summary>An engine whose activity counter the test moves, e.g. during a read.</summary>
    private sealed class BusyEngine(FakeEngine inner) : IEngine
    {
        public long Counter;
        public Action? DuringRead;

        public long Activity => Counter;
        public string BackendName => inner.BackendName;

        public async Task<HostState> GetStateAsync(CancellationToken ct = default)
        {
            DuringRead?.Invoke();
            return await inner.GetStateAsync(ct);
        }

        public Task<OperationResult> RunAsync(IOperation operation, RunRequest request, CancellationToken ct = default) =>
            inner.RunAsync(operation, request, ct);

        public Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default) => inner.GetSharedHealthAsync(ct);
    }

    private readonly FakeEngine _inner = new() { State = HostStates.With(HostStates.Be("a", booted: true)) };

    [Fact]
    public async Task ReadOnce_EngineStartsWorkDuringTheRead_StateNotPushed()
    {
        var engine = new BusyEngine(_inner);
        var watcher = new HostWatcher(() => engine, TimeSpan.FromMilliseconds(50), NullLogger<HostWatcher>.Instance);
        var seen = new List<HostState>();
        using var _ = watcher.Subscribe(seen.Add);
        engine.DuringRead = () => engine.Counter++;

        await watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        Assert.Empty(seen);

        engine.DuringRead = () => engine.Counter++;
        await watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        Assert.Empty(seen);

        engine.DuringRead = null;
        await watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal("a", Assert.Single(seen).BootEnvironments[0].Name);
    }
}
