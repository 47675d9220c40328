using SnapUpgrade.Scale;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Tests.Support.Layouts;
using Xunit;

namespace SnapUpgrade.Tests.Scale;

/// <summary>
/// A console over a 1000-BE host that nobody watches (no page, no API client) reads nothing (issue 13:
/// the watcher reads once at start, then only while someone looks). Counted, not timed: the reads of a
/// quiet window are zero on a fast machine and on a loaded one alike. The load script
/// (tests/scale/load.sh) measures what that saves.
/// </summary>
public abstract class IdleConsole(string backend, ManyBes layout) : IAsyncLifetime
{
    /// <summary>Long enough for a polling watcher to read several times (its pace at 1000 BEs is 1 s simulated, about a minute on zfs-fuse).</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(10);

    private ScaleHost? _host;

    public ScaleConsole? Console { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (backend == ScaleHost.ZfsFuse && !ZfsFuseLab.IsInstalled) return; // the test says so through Lane
        _host = await ScaleHost.CreateAsync(backend, layout);
        Console = await ScaleConsole.StartAsync(_host);
    }

    public async ValueTask DisposeAsync()
    {
        if (Console is not null) await Console.DisposeAsync();
        if (_host is not null) await CleanupFailures.GuardAsync(GetType().FullName!, _host.DisposeAsync);
        GC.SuppressFinalize(this);
    }

    /// <summary>The reads over <see cref="Quiet"/>, counted once the start's own read is done (/healthz waits for it).</summary>
    public async Task<int> ReadsWhileQuietAsync()
    {
        using (var health = await Console!.Api.GetAsync("healthz", TestContext.Current.CancellationToken)) health.EnsureSuccessStatusCode();
        var before = Console.Reads;
        Assert.True(before > 0, $"the start's own read was not counted ({Console.ReadsAre}): a zero below would prove nothing");
        await Task.Delay(Quiet, TestContext.Current.CancellationToken);
        return Console.Reads - before;
    }
}

public sealed class SimulatedIdleConsole() : IdleConsole(ScaleHost.Simulated, new ManyBes(1000, RecursiveSnapshots: 10));

/// <summary>No recursive snapshots: 3000 zfs processes build it (about a minute); its listing is the cost that matters.</summary>
public sealed class ZfsFuseIdleConsole() : IdleConsole(ScaleHost.ZfsFuse, new ManyBes(1000));

public sealed class SimulatedIdleTests(SimulatedIdleConsole idle) : IClassFixture<SimulatedIdleConsole>
{
    [Fact]
    public async Task Console_NobodyWatchingThousandSimulatedBes_ListsNothing() =>
        Assert.Equal(0, await idle.ReadsWhileQuietAsync());
}

public sealed class ZfsFuseIdleTests(ZfsFuseIdleConsole idle) : IClassFixture<ZfsFuseIdleConsole>
{
    [Fact]
    public async Task Console_NobodyWatchingThousandZfsFuseBes_StartsNoZfsProcess()
    {
        Lane.RequireZfsFuse();
        Assert.Equal(0, await idle.ReadsWhileQuietAsync());
    }
}
