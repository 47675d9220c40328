using System.Diagnostics;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Tests.Support.Layouts;

namespace SnapUpgrade.Scale;

/// <summary>
/// A host to measure: <see cref="ManyBes"/> laid out on the simulator (a state file the console then
/// opens, as the demo's) or on a zfs-fuse pool of its own (<see cref="ZfsFuseLab"/>, named suload...).
/// Disposing removes the state file or destroys the pool.
/// </summary>
public sealed class ScaleHost : IAsyncDisposable
{
    public const string Simulated = "simulated";
    public const string ZfsFuse = "zfs-fuse";

    private readonly ZfsFuseLab? _lab;
    private readonly DirectoryInfo _directory;

    private ScaleHost(string backend, ManyBes layout, DirectoryInfo directory, ZfsFuseLab? lab, IReadOnlyDictionary<string, string> settings)
    {
        Backend = backend;
        Layout = layout;
        _directory = directory;
        _lab = lab;
        Settings = settings;
    }

    public string Backend { get; }
    public ManyBes Layout { get; }
    /// <summary>The console's <c>SnapUpgrade</c> settings for this host (backend, pool, state file or host root).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }
    /// <summary>A fresh DataDir for the console (its SQLite file and first-start passwords), removed with the host.</summary>
    public string DataDir => Path.Combine(_directory.FullName, "data");
    public TimeSpan BuildTime { get; private set; }

    public override string ToString() => $"{Backend}, {Layout.BeCount} BEs x {Layout.RecursiveSnapshots} snapshots";

    public static async Task<ScaleHost> CreateAsync(string backend, ManyBes layout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var clock = Stopwatch.StartNew();
        var directory = Directory.CreateTempSubdirectory("snapupgrade-scale-");
        ScaleHost host;
        switch (backend)
        {
            case Simulated:
                var stateFile = Path.Combine(directory.FullName, "simulator", "host.json");
                var sim = new SimulatedZfs(stateFile);
                // Written once at the end: per command, a 10,000-BE state file would be written 15,000 times.
                using (var persistence = sim.DeferPersistence())
                {
                    sim.CreatePool("rpool");
                    await layout.LayOutAsync(sim, sim, "rpool", ct);
                    persistence.Complete();
                }
                host = new ScaleHost(backend, layout, directory, lab: null, new Dictionary<string, string>
                {
                    ["Backend"] = "simulated", ["Pool"] = "rpool", ["StateFile"] = stateFile,
                });
                break;
            case ZfsFuse:
                var lab = await ZfsFuseLab.CreateAsync("suload", ct);
                host = new ScaleHost(backend, layout, directory, lab, new Dictionary<string, string>
                {
                    ["Backend"] = "zfs", ["Pool"] = lab.Pool, ["HostRoot"] = lab.HostRoot,
                });
                try
                {
                    await layout.LayOutAsync(lab.Zfs, lab.Files, lab.Pool, ct);
                }
                catch
                {
                    await host.DisposeAsync();
                    throw;
                }
                break;
            default:
                directory.Delete();
                throw new ArgumentOutOfRangeException(nameof(backend), backend, $"Backend is '{Simulated}' or '{ZfsFuse}'.");
        }
        host.BuildTime = clock.Elapsed;
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
