using System.Diagnostics;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Zfs;
using SnapUpgrade.Scale;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Tests.Support.Layouts;
using Xunit;

namespace SnapUpgrade.Tests.Scale;

/// <summary>
/// A console over a 1000-BE host that nobody watches (no page, no API client) reads nothing (issue 13:
/// the watcher reads once at start, then only while someone looks). Counted, not timed: the reads of a
/// quiet window are zero on a fast machine and on a loaded one alike. The window is longer than the pace
/// a watcher that polled regardless would keep (<see cref="HostWatcher.Pace"/>), so such a watcher fails
/// here. The load script (tests/scale/load.sh) measures what not reading saves.
/// </summary>
public abstract class IdleConsole(string backend, ManyBes layout) : IAsyncLifetime
{
    private ScaleHost? _host;

    public ScaleConsole? Console { get; private set; }
    protected ScaleHost Host => _host!;

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

    /// <summary>How long to watch the console do nothing: longer than a polling watcher's pace on this host.</summary>
    protected abstract Task<TimeSpan> QuietAsync();

    /// <summary>The reads over the quiet window, counted once the start's own reads are done.</summary>
    public async Task<int> ReadsWhileQuietAsync()
    {
        await Console!.SettleAsync();
        var before = Console.Reads;
        Assert.True(before > 0, $"the start's own read was not counted ({Console.ReadsAre}): a zero below would prove nothing");
        var quiet = await QuietAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"quiet for {quiet.TotalSeconds:F0} s");
        await Task.Delay(quiet, TestContext.Current.CancellationToken);
        return Console.Reads - before;
    }
}

/// <summary>
/// A polling watcher's pace is the 1 s interval or 20 reads' time (ReadCostFactor); a read of this host took
/// about 0.3 s in the load run (two or three listings in 10 s with pages open, before the simulator reported
/// its changes and was followed instead), so 20 s hold three or more.
/// </summary>
public sealed class SimulatedIdleConsole() : IdleConsole(ScaleHost.Simulated, new ManyBes(1000, RecursiveSnapshots: 10))
{
    protected override Task<TimeSpan> QuietAsync() => Task.FromResult(TimeSpan.FromSeconds(20));
}

/// <summary>
/// No recursive snapshots: about 3000 zfs processes build it. Its pace grows with the cost of a read, so
/// the window is sized from one: the console's own <c>zfs get -r</c> run here (not counted: not the
/// console's), times <see cref="HostWatcher.ReadCostFactor"/> and a quarter more, and 10 s besides:
/// 56 s here (a read of 1.8 s), 98 s while other tests loaded the daemon. At most <see cref="Longest"/>, to
/// keep the lane near 2 minutes when other work loads the daemon (then the window may be shorter than the
/// pace: the test is weaker, never flaky).
/// </summary>
public sealed class ZfsFuseIdleConsole() : IdleConsole(ScaleHost.ZfsFuse, new ManyBes(1000))
{
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(75);

    protected override async Task<TimeSpan> QuietAsync()
    {
        var clock = Stopwatch.StartNew();
        (await new ProcessRunner().RunAsync(ZfsCli.DatasetGetArgv(Host.Settings["Pool"]), ct: TestContext.Current.CancellationToken)).EnsureSuccess();
        var window = TimeSpan.FromSeconds(10) + clock.Elapsed * (HostWatcher.ReadCostFactor * 1.25);
        return window < Longest ? window : Longest;
    }
}

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
