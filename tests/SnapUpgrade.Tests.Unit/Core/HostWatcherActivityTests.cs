using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Tests.Support.Fakes;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>States read while the engine changes the host (a moment in between) are never pushed.</summary>
public sealed class HostWatcherActivityTests
{
    private readonly FakeEngine _engine = new() { State = HostStates.With(HostStates.Be("a", booted: true)) };

    [Fact]
    public async Task ReadOnce_EngineStartsWorkDuringTheRead_StateNotPushed()
    {
        var watcher = new HostWatcher(() => _engine, TimeSpan.FromMilliseconds(50), NullLogger<HostWatcher>.Instance);
        var seen = new List<HostState>();
        using var _ = watcher.Subscribe(seen.Add);
        _engine.DuringRead = () => _engine.Activity++;

        await watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        Assert.Empty(seen);

        _engine.DuringRead = () => _engine.Activity++;
        await watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        Assert.Empty(seen);

        _engine.DuringRead = null;
        await watcher.ReadOnceAsync(TestContext.Current.CancellationToken);
        Assert.Equal("a", Assert.Single(seen).BootEnvironments[0].Name);
    }
}
