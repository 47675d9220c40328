using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Sqlite;

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
/// and engine per case process (built in [GlobalSetup], over <see cref="BenchHost"/>'s pool), the same
/// pool sizes as <see cref="HostStateBenchmarks"/>: the read is what grows with the BEs. Each change
/// comes right after the previous one was pushed, so it waits for nearly a whole interval: the worst case.
/// </remarks>
[Config(typeof(BenchConfig))]
public class LiveChangeBenchmarks
{
    private BenchHost _host = null!;
    private string _dataDir = null!;
    private HostWatcher _watcher = null!;
    private int _changes;

    [ParamsSource(nameof(BeCounts))]
    public int BeCount { get; set; }

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = BenchRun.Simulated;

    public static IEnumerable<int> BeCounts => BenchRun.BeCounts;

    public static IEnumerable<string> Backends => BenchRun.Backends;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await BenchHost.CreateLoggedAsync(Backend, BeCount);
        _dataDir = Path.Combine(Path.GetTempPath(), $"snapupgrade-bench-{Guid.NewGuid():N}");
        // No [GlobalCleanup] runs after a failed setup: destroy the pool here before failing.
        try
        {
            Directory.CreateDirectory(_dataDir);
            var engine = new BeEngine(_host.Zfs, _host.Mounts, _host.Files, new SqliteOperationJournal(SqliteDatabase.InDataDir(_dataDir)),
                new EngineOptions { Pool = _host.Pool }, TimeProvider.System);
            _watcher = new HostWatcher(() => engine, HostWatcher.DefaultInterval, NullLogger<HostWatcher>.Instance);
            await _watcher.StartAsync(CancellationToken.None);
            await ChangeByHandUntilPushed(); // fails here rather than measure a watcher that never pushes
        }
        catch
        {
            await CleanupAsync();
            throw;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.StopAsync(CancellationToken.None);
            _watcher.Dispose();
        }
        await _host.DisposeAsync();
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
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
