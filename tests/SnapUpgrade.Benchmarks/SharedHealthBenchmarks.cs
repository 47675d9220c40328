using BenchmarkDotNet.Attributes;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Simulation;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// The two ways the console learns about every BE's /var/adm, /var/log, /var/mail and /var/spool:
/// <list type="bullet">
/// <item><see cref="Read"/>: <see cref="BeEngine.GetSharedHealthAsync"/>, what every Overview and
/// Shared page view and <c>GET /api/v1/shared</c> run. It never mounts anything: one host-state
/// listing, the mounted BE (the booted one) read in place, the others as the last check left them.</item>
/// <item><see cref="Check"/>: the operation <see cref="CheckSharedHealth"/> (Check now,
/// <c>POST /api/v1/shared/check</c>) run by the engine: state listing, plan, journal rows in SQLite,
/// then each unmounted BE mounted for a moment in the private directory (set mountpoint, mount
/// nosuid,nodev,noexec, lstat, unmount, set it back) and the report kept for later reads. Its audit
/// row (one SQLite insert, see <see cref="AuditBenchmarks"/>) is not part of it.</item>
/// </list>
/// </summary>
/// <remarks>
/// The pool is <see cref="BenchHost"/>'s (the same as <see cref="HostStateBenchmarks"/>'): be1 from
/// <c>LabBootstrap</c> (booted, mounted at the host root) with /var/adm, /var/log, /var/mail and
/// /var/spool as real directories, and the other BEs clones of it. The BEs are <b>not migrated</b>
/// to the shared /var (every directory reads NotMigrated; /var/shared exists, empty): an lstat per
/// directory; migrated BEs would add a readlink per directory. One engine, primed by a check in
/// [GlobalSetup], so every read finds a last check for each unmounted BE, as a console does once
/// someone pressed Check now. Built once per case process and destroyed in [GlobalCleanup].
/// </remarks>
[Config(typeof(BenchConfig))]
public class SharedHealthBenchmarks
{
    private BenchHost _host = null!;
    private BeEngine _engine = null!;

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
            _engine = _host.NewEngine();
            await CheckAsync();
        }
        catch
        {
            await CleanupAsync();
            throw;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    /// <summary>The read every page view makes: never a mount, whatever the number of BEs.</summary>
    [Benchmark(Baseline = true)]
    public Task<SharedHealthReport> Read() => _engine.GetSharedHealthAsync();

    /// <summary>The full check, as Check now runs it (the engine's part: everything but the audit row).</summary>
    [Benchmark]
    public async Task<SharedHealthReport> Check()
    {
        var result = await _engine.RunAsync(new CheckSharedHealth());
        return result.SharedHealth ?? throw new InvalidOperationException($"the check did not succeed: {result.Error}");
    }

    /// <summary>Fails here rather than measure the wrong thing: a read that mounts nothing and reports the
    /// unmounted BEs as not checked until a check; a check that reads every BE and puts the pool back;
    /// reads after it that hand out what it found.</summary>
    private async Task CheckAsync()
    {
        var before = await MountLayoutAsync();

        var (fresh, readChanges) = await CountChangesAsync(Read);
        if (readChanges > 0)
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: a read changed the pool {readChanges} times (it mounted something)");
        if (fresh.Entries.Count != BeCount || fresh.Entries.Count(e => e.NotChecked) != BeCount - 1)
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: before any check, all but the booted BE must be not checked: {Describe(fresh)}");

        var (checkedReport, checkChanges) = await CountChangesAsync(Check);
        Valid(checkedReport, "check");
        if (_host.Zfs is SimulatedZfs && BeCount > 1 && checkChanges == 0)
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: the check mounted nothing");

        var read = Valid(await Read(), "read after the check");
        var unmounted = checkedReport.Entries.Where(e => e.Be != "be1").ToDictionary(e => e.Dataset);
        if (read.Entries.Any(e => unmounted.TryGetValue(e.Dataset, out var c) && !ReferenceEquals(c, e)))
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: a read after the check did not hand out what the check found");

        var after = await MountLayoutAsync();
        if (after != before)
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: the reads and the check changed the pool:\n{before}\n---\n{after}");
    }

    /// <summary>On the simulator, every change (a mount, a property set) raises <see cref="SimulatedZfs.Changed"/>; zfs-fuse has no such hook (-1).</summary>
    private async Task<(T Result, int Changes)> CountChangesAsync<T>(Func<Task<T>> act)
    {
        if (_host.Zfs is not SimulatedZfs sim) return (await act(), -1);
        var changes = 0;
        void OnChanged(object? sender, EventArgs e) => Interlocked.Increment(ref changes);
        sim.Changed += OnChanged;
        try
        {
            return (await act(), Volatile.Read(ref changes));
        }
        finally
        {
            sim.Changed -= OnChanged;
        }
    }

    private SharedHealthReport Valid(SharedHealthReport report, string which)
    {
        var wanted = Layout.SharedDirectories.Count();
        if (report.Entries.Count != BeCount
            || report.Entries.Any(e => e.Error is not null || e.CheckedAt is null || e.Directories.Count != wanted
                                       || e.Directories.Any(d => d.State != SharedDirState.NotMigrated)))
            throw new InvalidOperationException($"{Backend}, {BeCount} BEs: unexpected {which} report: {Describe(report)}");
        return report;
    }

    private static string Describe(SharedHealthReport report) => string.Join("; ", report.Entries.Select(e =>
        $"{e.Be} {e.Error} {(e.NotChecked ? "not checked" : e.CheckedAt?.ToString("O"))} [{string.Join(' ', e.Directories.Select(d => $"{d.Directory}={d.State}"))}]"));

    /// <summary>Every dataset's mountpoint and mount state, and the bind mounts: what a temporary mount must put back.</summary>
    private async Task<string> MountLayoutAsync()
    {
        var listing = await _host.Zfs.ListAsync(_host.Pool);
        var binds = await _host.Mounts.ListAsync();
        return string.Join('\n', listing.Datasets.OrderBy(d => d.Name, StringComparer.Ordinal)
            .Select(d => $"{d.Name} mp={d.MountPoint} mounted={d.Mounted}")
            .Concat(binds.Select(b => $"bind {b.Source} -> {b.Target}").Order(StringComparer.Ordinal)));
    }
}
