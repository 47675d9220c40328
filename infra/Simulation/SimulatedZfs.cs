using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The embedded default backend: an in-process model of ZFS pools plus the host's mount table and
/// files, behaving like zfs (the same contract suite runs against it and against zfs-fuse).
/// Datasets, mounts and files are one object because they share state: a mount decides which
/// dataset's tree a host path reads, and zfs refuses to rename or destroy what is mounted.
/// One lock guards everything; with a state file, every mutation is persisted before it returns.
/// </summary>
public sealed partial class SimulatedZfs : IZfs, IMounts, IHostFiles
{
    private readonly Lock _gate = new();
    private readonly string? _stateFile;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, SimPool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimDataset> _datasets = new(StringComparer.Ordinal);
    /// <summary>In mount order: a later entry covers an earlier one at the same target.</summary>
    private readonly List<SimMount> _mounts = [];
    /// <summary>What the host root shows where nothing is mounted, like the lab directory an altroot sits in.</summary>
    private DirNode _baseRoot = DirNode.Empty;
    private long _txg;
    /// <summary>The next inode number to hand out (1 is every dataset's root).</summary>
    private long _nextInode = 2;
    private TimeSpan _backdate;

    /// <param name="stateFile">null: in memory only; else loaded when it exists and rewritten after every change.</param>
    public SimulatedZfs(string? stateFile = null, TimeProvider? clock = null)
    {
        _stateFile = stateFile;
        _clock = clock ?? TimeProvider.System;
        if (_stateFile is not null && File.Exists(_stateFile)) Load(_stateFile);
    }

    /// <summary>Where the web keeps the simulated host between runs (per user, like any app data).</summary>
    public static string DefaultStateFile
    {
        get
        {
            var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrEmpty(data)) data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (string.IsNullOrEmpty(data))
                data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(data, "snapupgrade", "simulated-host.json");
        }
    }

    public ZfsCapabilities Capabilities { get; } = new("simulated", MultiSnapshot: true);

    /// <summary>Raised after any change (outside the lock), for views that want to refresh.</summary>
    public event EventHandler? Changed;

    /// <summary>Like <c>zpool create -O mountpoint=none -O canmount=off</c>: the pool's own dataset is never mounted.</summary>
    public void CreatePool(string name)
    {
        if (string.IsNullOrEmpty(name) || name.IndexOfAny(['/', '@', ' ']) >= 0)
            throw new ArgumentException($"Invalid pool name '{name}'.", nameof(name));
        Mutate(() =>
        {
            if (_pools.ContainsKey(name)) throw new InvalidOperationException($"Pool '{name}' already exists.");
            _pools[name] = new SimPool { Name = name, Guid = ((ulong)Random.Shared.NextInt64(1, long.MaxValue)).ToString() };
            var root = NewDataset(name, isSnapshot: false, DirNode.Empty);
            root.Local["mountpoint"] = "none";
            root.Local["canmount"] = "off";
        });
    }

    public bool HasPool(string name)
    {
        lock (_gate) return _pools.ContainsKey(name);
    }

    private SimDataset NewDataset(string name, bool isSnapshot, DirNode root, string? origin = null)
    {
        var ds = new SimDataset
        {
            Name = name, IsSnapshot = isSnapshot, Created = Now(), Txg = ++_txg, Root = root, Origin = origin,
        };
        _datasets[name] = ds;
        return ds;
    }

    /// <summary>Metadata for a node made now: root's, with a fresh inode number.</summary>
    private NodeMeta NewMeta(int mode, int uid = 0, int gid = 0) => new(mode & 0xFFF, uid, gid, _nextInode++);

    private DateTimeOffset Now() => _clock.GetUtcNow() - _backdate;

    /// <summary>The host's clock: now, less the current <see cref="Backdate"/> (what the demo seed's engine runs on).</summary>
    internal TimeProvider Clock => new HostClock(this);

    private sealed class HostClock(SimulatedZfs host) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow()
        {
            lock (host._gate) return host.Now();
        }
    }

    /// <summary>
    /// Makes what is created next look that much older, so the demo seed can lay down a history
    /// (a BE from September, one from October...) in one go. Only creation times move.
    /// </summary>
    internal void Backdate(TimeSpan age)
    {
        lock (_gate) _backdate = age;
    }

    /// <summary>Runs a change under the lock, then persists (also when it failed half-way, as zfs can) and notifies.</summary>
    private void Mutate(Action change)
    {
        try
        {
            lock (_gate)
            {
                try { change(); }
                finally { Persist(); }
            }
        }
        finally
        {
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate) return read();
    }
}
