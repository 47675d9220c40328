using BenchmarkDotNet.Attributes;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// The engine's shared-health read, <see cref="BeEngine.GetSharedHealthAsync"/>: one host-state
/// listing, then every BE's /var/adm, /var/log, /var/mail and /var/spool looked at; each unmounted BE
/// is mounted for a moment at a private directory (set mountpoint, mount, stat, unmount, set it back).
/// <list type="bullet">
/// <item><see cref="Cold"/>: a report made afresh, as the first read after a change or after
/// <see cref="BeEngine.SharedHealthReuse"/> has passed.</item>
/// <item><see cref="Warm"/>: the call right after one: the engine hands back the report it made
/// (still one listing, to see that nothing moved).</item>
/// </list>
/// </summary>
/// <remarks>
/// The pool is <see cref="BenchHost"/>'s (the same as <see cref="HostStateBenchmarks"/>'): be1 from
/// <c>LabBootstrap</c> (booted, mounted at the host root) with /var/adm, /var/log, /var/mail and
/// /var/spool as real directories, and the other BEs clones of it. The BEs are <b>not migrated</b>
/// to the shared /var (every directory reads NotMigrated; /var/shared exists, empty): a stat per
/// directory; migrated BEs would add a readlink per directory, next to the mounts. Built once per case process
/// in [GlobalSetup] and destroyed in [GlobalCleanup], as for the host-state benchmark.
/// </remarks>
[Config(typeof(BenchConfig))]
public class SharedHealthBenchmarks
{
    private BenchHost _host = null!;
    private EngineOptions _options = null!;
    private BeEngine _warm = null!;

    [ParamsSource(nameof(BeCounts))]
    public int BeCount { get; set; }

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = BenchRun.Simulated;

    public static IEnumerable<int> BeCounts => BenchRun.SharedHealthBeCounts;

    public static IEnumerable<string> Backends => BenchRun.Backends;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await BenchHost.CreateLoggedAsync(Backend, BeCount);
        // No [GlobalCleanup] runs after a failed setup: destroy the pool here before failing.
        try
        {
            _options = new EngineOptions { Pool = _host.Pool, HostRoot = _host.HostRoot };
            await CheckAsync();
        }
        catch
        {
            await _host.DisposeAsync();
            throw;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    /// <summary>
    /// A new engine per call on the same pool: the reused report lives in the engine instance, so a
    /// new one must inspect every BE. Chosen over running a cheap real operation between reads (which
    /// would also bump <see cref="BeEngine.Activity"/>) because any operation adds its own zfs commands,
    /// journal writes and plan to the measured time; a new engine adds only a few small objects and
    /// no I/O (its allocation is printed at setup). Nothing is cached outside the engine.
    /// </summary>
    [Benchmark(Baseline = true)]
    public Task<SharedHealthReport> Cold() => NewEngine(TimeProvider.System).GetSharedHealthAsync();

    /// <summary>
    /// The reused report. The engine was primed in setup and its clock stands still, so every call is
    /// "right after" the first: without that, the report would go stale after 10 s of a run (more
    /// than one iteration on zfs-fuse) and cold reads would creep into these numbers; priming in an
    /// [IterationSetup] instead would force one call per iteration, too coarse for the simulator's
    /// microseconds. The clock only decides reuse here and is read the same way either way.
    /// </summary>
    [Benchmark]
    public Task<SharedHealthReport> Warm() => _warm.GetSharedHealthAsync();

    private BeEngine NewEngine(TimeProvider clock) =>
        new(_host.Zfs, _host.Mounts, _host.Files, NoJournal.Instance, _options, clock);

    /// <summary>Fails here rather than measure the wrong thing: a report of every BE with all four
    /// directories read, reused when warm, made afresh when cold, and the pool left as it was.</summary>
    private async Task CheckAsync()
    {
        var before = await MountLayoutAsync();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        _ = NewEngine(TimeProvider.System);
        Console.WriteLine($"// setup: a new engine allocates {GC.GetAllocatedBytesForCurrentThread() - allocated} B (part of Cold)");

        _warm = NewEngine(new FrozenClock(DateTimeOffset.UtcNow));
        var first = Valid(await _warm.GetSharedHealthAsync(), "first");
        if (!ReferenceEquals(await Warm(), first))
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: the second call did not reuse the report");
        var cold = Valid(await Cold(), "cold");
        if (ReferenceEquals(cold, first))
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: a new engine returned a reused report");
        if (!ReferenceEquals(await Warm(), first))
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: a cold read on another engine stopped the reuse");

        var after = await MountLayoutAsync();
        if (after != before)
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: the reads changed the pool:\n{before}\n---\n{after}");
    }

    private SharedHealthReport Valid(SharedHealthReport report, string which)
    {
        var wanted = Layout.SharedDirectories.Count();
        if (report.Entries.Count != BeCount
            || report.Entries.Any(e => e.Error is not null || e.Directories.Count != wanted
                                       || e.Directories.Any(d => d.State != SharedDirState.NotMigrated)))
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: unexpected {which} report: " +
                string.Join("; ", report.Entries.Select(e =>
                    $"{e.Be} {e.Error} [{string.Join(' ', e.Directories.Select(d => $"{d.Directory}={d.State}"))}]")));
        return report;
    }

    /// <summary>Every dataset's mountpoint and mount state, and the bind mounts: what a temporary mount must put back.</summary>
    private async Task<string> MountLayoutAsync()
    {
        var listing = await _host.Zfs.ListAsync(_host.Pool);
        var binds = await _host.Mounts.ListAsync();
        return string.Join('\n', listing.Datasets.OrderBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => $"{d.Name} mp={d.MountPoint} mounted={d.Mounted}")
            .Concat(binds.Select(b => $"bind {b.Source} -> {b.Target}").Order(StringComparer.Ordinal)));
    }

    /// <summary>A clock that stands still: the warm engine's report never ages.</summary>
    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    /// <summary>The shared-health read journals nothing; an operation run by mistake fails loudly.</summary>
    private sealed class NoJournal : IOperationJournal
    {
        public static readonly NoJournal Instance = new();

        private static InvalidOperationException NotHere() => new("the shared-health benchmark runs no operation");

        public Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default) => throw NotHere();
        public Task CompleteAsync(long id, string outcome, string? message, CancellationToken ct = default) => throw NotHere();
        public Task StepStartedAsync(long id, int index, CancellationToken ct = default) => throw NotHere();
        public Task WillUndoAsync(long id, int index, Undo undo, CancellationToken ct = default) => throw NotHere();
        public Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<JournalEntry>>([]);
        public Task<IReadOnlyList<JournalEntry>> RecentAsync(int count, CancellationToken ct = default) => Task.FromResult<IReadOnlyList<JournalEntry>>([]);
    }
}
