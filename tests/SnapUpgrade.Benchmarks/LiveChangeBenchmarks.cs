using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// How soon a change made behind the console's back (zfs run by hand, another console, the API)
/// reaches every open page: from the change until the <see cref="HostWatcher"/>, reading at its
/// default interval (1 s), hands the new state to its subscribers (each page then re-renders). The
/// README promises 2 s in the browser; the browser tests only assert that the change arrives, without
/// a reload, because a timed assertion fails on a loaded machine rather than on a slow console.
/// </summary>
/// <remarks>
/// The change is a description set on the booted BE with zfs directly, as an admin would; one watcher
/// and engine per case process (built in [GlobalSetup], over <see cref="BenchHost"/>'s pool). Each change
/// comes right after the previous one was pushed, so it waits for nearly a whole interval: the worst case.
/// </remarks>
[Config(typeof(BenchConfig))]
public class LiveChangeBenchmarks
{
    private BenchHost _host = null!;
    private HostWatcher _watcher = null!;
    private int _changes;

    /// <summary>A small pool: how the read grows with the BEs is <see cref="HostStateBenchmarks"/>' measure.</summary>
    private const int BeCount = 10;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = BenchRun.Simulated;

    public static IEnumerable<string> Backends => BenchRun.Backends;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await BenchHost.CreateLoggedAsync(Backend, BeCount);
        var engine = _host.NewEngine();
        _watcher = new HostWatcher(() => engine, HostWatcher.DefaultInterval, NullLogger<HostWatcher>.Instance);
        await _watcher.StartAsync(CancellationToken.None);
        try
        {
            await ChangeByHandUntilPushed(); // fails here rather than measure a watcher that never pushes
        }
        catch
        {
            await CleanupAsync(); // no [GlobalCleanup] runs after a failed setup
            throw;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _watcher.StopAsync(CancellationToken.None);
        _watcher.Dispose();
        await _host.DisposeAsync();
    }

    /// <summary>zfs set on the booted BE, until the watcher's subscribers have the state that shows it.</summary>
    [Benchmark]
    public async Task<HostState> ChangeByHandUntilPushed()
    {
        var description = $"changed by hand {++_changes}";
        var pushed = new TaskCompletionSource<HostState>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = _watcher.Subscribe(state =>
        {
            if (state.Booted?.Description == description) pushed.TrySetResult(state);
        });
        await _host.Zfs.ExecuteAsync(new ZfsSet(new Layout(_host.Pool).Be("be1"), UserProperties.Description, description));
        return await pushed.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
