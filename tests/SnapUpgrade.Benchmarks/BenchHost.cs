using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Tests.Support.Layouts;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// A pool of its own laid out as the console would leave it after <c>BeCount - 1</c> creates
/// (<see cref="ManyBes"/>: about 5 origin snapshots per 10 BEs, then <see cref="SnapshotsPerBe"/> of every BE). zfs-fuse pools come from
/// <see cref="ZfsFuseLab"/>, which only ever touches the pool it made.
/// </summary>
public sealed class BenchHost : IAsyncDisposable
{
    private readonly IAsyncDisposable? _lab;
    private string? _dataDir;

    private BenchHost(string pool, string hostRoot, IZfs zfs, IMounts mounts, IHostFiles files, IAsyncDisposable? lab)
    {
        Pool = pool;
        HostRoot = hostRoot;
        Zfs = zfs;
        Mounts = mounts;
        Files = files;
        _lab = lab;
    }

    public string Pool { get; }
    /// <summary>The host path of "/" for this pool: "/" simulated, the lab's altroot on zfs-fuse.</summary>
    public string HostRoot { get; }
    public IZfs Zfs { get; }
    public IMounts Mounts { get; }
    public IHostFiles Files { get; }

    /// <summary><see cref="CreateAsync"/>, saying in the benchmark log what was built and how long it took.</summary>
    public static async Task<BenchHost> CreateLoggedAsync(string backend, int beCount)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var host = await CreateAsync(backend, beCount);
        Console.WriteLine($"// setup: {beCount} BEs on {backend} (pool {host.Pool}) built in " +
            $"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        return host;
    }

    public static async Task<BenchHost> CreateAsync(string backend, int beCount, CancellationToken ct = default)
    {
        var host = await OpenAsync(backend, ct);
        try
        {
            await new ManyBes(beCount, SnapshotsPerBe).LayOutAsync(host.Zfs, host.Files, host.Pool, ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>The engine over this pool, its journal in a SQLite file of its own (removed with the host).</summary>
    public BeEngine NewEngine()
    {
        _dataDir ??= Directory.CreateTempSubdirectory("snapupgrade-bench-").FullName;
        return new BeEngine(Zfs, Mounts, Files, new SqliteOperationJournal(SqliteDatabase.InDataDir(_dataDir)),
            new EngineOptions { Pool = Pool }, TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        if (_dataDir is not null && Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }

    private static async Task<BenchHost> OpenAsync(string backend, CancellationToken ct)
    {
        switch (backend)
        {
            case BenchRun.Simulated:
                var sim = new SimulatedZfs();
                sim.CreatePool("rpool");
                return new BenchHost("rpool", "/", sim, sim, sim, lab: null);
            case BenchRun.ZfsFuse:
                var lab = await ZfsFuseLab.CreateAsync(ct);
                return new BenchHost(lab.Pool, lab.HostRoot, lab.Zfs, lab.Mounts, lab.Files, lab);
            default:
                throw new ArgumentOutOfRangeException(nameof(backend), backend, "Backend is 'simulated' or 'zfs-fuse'.");
        }
    }

    /// <summary>Snapshots of every BE besides the console's origin snapshots (issue 13: 1000 BEs x 10 snapshots).</summary>
    public const int SnapshotsPerBe = 10;
}
