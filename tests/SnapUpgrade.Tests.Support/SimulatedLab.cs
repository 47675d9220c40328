using System.Security.Cryptography;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// A simulated host for one test: a fresh <see cref="SimulatedZfs"/> persisted to its own state file,
/// with a pool of its own name (as the zfs-fuse lab has), and "/" as the host root.
/// <see cref="RestartAsync"/> reopens the same state file, as a process restart (or crash) would.
/// </summary>
public sealed class SimulatedLab : ITestHost
{
    private bool _handedOver;

    private SimulatedLab(string pool, string directory, SimulatedZfs host)
    {
        Pool = pool;
        Directory = directory;
        Host = host;
    }

    public string Name => "simulated";
    public string Pool { get; }
    public string HostRoot => "/";
    /// <summary>The lab's own directory; the state file lives in it.</summary>
    public string Directory { get; }
    public string StateFile => Path.Combine(Directory, "simulated-host.json");
    /// <summary>The simulator itself, for what the ports do not expose (pools, the state file).</summary>
    public SimulatedZfs Host { get; }
    public IZfs Zfs => Host;
    public IMounts Mounts => Host;
    public IHostFiles Files => Host;
    public IProcessFiles Process => new SimulatedProcessFiles(Host.AsProcess());

    public static Task<SimulatedLab> CreateAsync(CancellationToken ct = default) => CreateAsync(clock: null, ct);

    public Task<string> AddPoolAsync()
    {
        var pool = NewPoolName();
        Host.CreatePool(pool);
        return Task.FromResult(pool);
    }

    private static string NewPoolName() => "su" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <param name="clock">What creation times are read from (a fake one for tests about time); null: the system clock.</param>
    public static Task<SimulatedLab> CreateAsync(TimeProvider? clock, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var pool = NewPoolName();
        var directory = Path.Combine(Path.GetTempPath(), "snapupgrade-sim-tests", pool);
        System.IO.Directory.CreateDirectory(directory);
        var host = new SimulatedZfs(Path.Combine(directory, "simulated-host.json"), clock);
        host.CreatePool(pool);
        return Task.FromResult(new SimulatedLab(pool, directory, host));
    }

    /// <summary>
    /// A new simulator over the same state file: what survives is only what was persisted. This
    /// lab must not be used afterwards; the returned one owns the directory.
    /// </summary>
    public Task<SimulatedLab> RestartAsync(TimeProvider? clock = null)
    {
        ObjectDisposedException.ThrowIf(_handedOver, this);
        _handedOver = true;
        return Task.FromResult(new SimulatedLab(Pool, Directory, new SimulatedZfs(StateFile, clock)));
    }

    public ValueTask DisposeAsync()
    {
        if (!_handedOver && System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
        _handedOver = true;
        return ValueTask.CompletedTask;
    }
}
