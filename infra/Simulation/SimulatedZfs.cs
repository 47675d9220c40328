using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The embedded default backend: an in-process model of ZFS pools plus the host's mount table and
/// files, behaving like zfs (the same contract suite runs against it and against zfs-fuse). It is
/// one object behind the three ports because they share state (a mount decides which dataset's
/// tree a host path reads, and zfs refuses to rename or destroy what is mounted), and a facade
/// over parts that each own one piece of it: the <see cref="DatasetTable"/>, the
/// <see cref="MountTable"/>, the <see cref="VolumeTrees"/>, the <see cref="PathResolver"/> and
/// <see cref="TreeWriter"/> over them, <see cref="TreeCopier"/> and <see cref="ZfsCommands"/>.
/// The parts are not thread-safe; one lock here guards them all, and with a state file every
/// mutation is persisted before it returns.
/// </summary>
public sealed partial class SimulatedZfs : IZfs, IMounts, IHostFiles, IStagingMounts
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;
    private readonly DatasetTable _datasets = new();
    private readonly MountTable _mounts = new();
    private readonly VolumeTrees _trees;
    private readonly PathResolver _paths;
    private readonly TreeWriter _tree;
    private readonly TreeCopier _copier;
    private readonly ZfsCommands _commands;
    private int _listings;
    private int _scopedReads;
    private TimeSpan _backdate;

    /// <param name="stateFile">null: in memory only; else loaded when it exists (with its journal) and each change persisted.</param>
    public SimulatedZfs(string? stateFile = null, TimeProvider? clock = null)
    {
        _store = stateFile is null ? null : new StateStore(stateFile);
        _clock = clock ?? TimeProvider.System;
        _trees = new VolumeTrees(_datasets);
        _paths = new PathResolver(_mounts, _trees, _datasets);
        _tree = new TreeWriter(_paths, _trees, _mounts);
        _copier = new TreeCopier(_paths, _tree, _trees);
        _commands = new ZfsCommands(_datasets, _mounts, _paths, _tree, Now);
        if (stateFile is not null && File.Exists(stateFile)) _store!.Read(_datasets, _mounts, _trees);
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

    public ZfsCapabilities Capabilities { get; } = new("simulated", MultiSnapshot: true, EventStream: true);

    /// <summary>Raised after any change (outside the lock), for views that want to refresh.</summary>
    public event EventHandler? Changed;

    /// <summary>Like <c>zpool create -O mountpoint=none -O canmount=off</c>: the pool's own dataset is never mounted.</summary>
    public void CreatePool(string name)
    {
        if (string.IsNullOrEmpty(name) || name.IndexOfAny(['/', '@', ' ']) >= 0)
            throw new ArgumentException($"Invalid pool name '{name}'.", nameof(name));
        Mutate(() =>
        {
            if (_datasets.Pools.ContainsKey(name)) throw new InvalidOperationException($"Pool '{name}' already exists.");
            _datasets.AddPool(new SimPool { Name = name, Guid = ((ulong)Random.Shared.NextInt64(1, long.MaxValue)).ToString() });
            _datasets.Add(name, isSnapshot: false, DirNode.Empty, Now(), local: new Dictionary<string, string>
            {
                ["mountpoint"] = "none",
                ["canmount"] = "off",
            });
        }, named: []);
    }

    public bool HasPool(string name) => Read(() => _datasets.Pools.ContainsKey(name));

    public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ct.ThrowIfCancellationRequested();
        Mutate(() => _commands.Execute(command), Named(command));
        return Task.CompletedTask;
    }

    /// <summary>How many listings were read: what a `zfs get -r` would cost on a real host (issue 13's reads, counted).</summary>
    public int Listings => Volatile.Read(ref _listings);

    public Task<PoolListing> ListAsync(string pool, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _listings);
        return Task.FromResult(Read(() => PoolReader.Read(_datasets, _mounts, pool)));
    }

    /// <summary>How many scoped reads were made (<see cref="ReadAsync"/>): what an operation reads instead of a listing.</summary>
    public int ScopedReads => Volatile.Read(ref _scopedReads);

    public Task<PoolListing> ReadAsync(string pool, ReadScope scope, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ct.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _scopedReads);
        return Task.FromResult(Read(() => PoolReader.Read(_datasets, _mounts, pool, scope)));
    }

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

    /// <summary>
    /// Runs a change under the lock, then persists, reports it to followers (<see cref="FollowAsync"/>) and
    /// notifies, also when it failed half-way (as zfs can).
    /// </summary>
    /// <param name="named">What the change's history event names, as zfs would log it (<see cref="Named"/>: empty for
    /// anything); null for a change without one (files written, a mount: the mount table says).</param>
    private void Mutate(Action change, IReadOnlyList<string>? named = null)
    {
        try
        {
            lock (_gate)
            {
                var mounts = _followers.Count == 0 ? null : _mounts.Entries.ToList();
                try { change(); }
                finally
                {
                    Persist();
                    Report(named, mounts);
                }
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
