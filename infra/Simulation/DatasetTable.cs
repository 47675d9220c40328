namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The simulated pools and their datasets, by name, with what zfs derives from names, origins and
/// inheritance: children, snapshots, clones, the effective mountpoint and readonly. It hands out
/// transaction groups, so creation order is the table's, never the clock's. Not thread-safe on its
/// own: <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class DatasetTable
{
    private readonly Dictionary<string, SimPool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimDataset> _datasets = new(StringComparer.Ordinal);

    /// <summary>The last transaction group handed out.</summary>
    public long Txg { get; private set; }

    public IReadOnlyDictionary<string, SimPool> Pools => _pools;

    public IEnumerable<SimDataset> All => _datasets.Values;

    public SimDataset this[string name] => _datasets[name];

    public bool Contains(string name) => _datasets.ContainsKey(name);

    public SimDataset? Find(string name) => _datasets.GetValueOrDefault(name);

    public SimDataset? FindFileSystem(string name) => Find(name) is { IsSnapshot: false } ds ? ds : null;

    public void AddPool(SimPool pool) => _pools.Add(pool.Name, pool);

    /// <summary>A new dataset with the next transaction group and a copy of <paramref name="local"/> as its own properties.</summary>
    public SimDataset Add(string name, bool isSnapshot, DirNode root, DateTimeOffset created, string? origin = null,
        IReadOnlyDictionary<string, string>? local = null)
    {
        var ds = new SimDataset
        {
            Name = name,
            IsSnapshot = isSnapshot,
            Created = created,
            Txg = ++Txg,
            Root = root,
            Origin = origin,
            Local = new Dictionary<string, string>(local ?? new Dictionary<string, string>(), StringComparer.Ordinal),
        };
        _datasets.Add(name, ds);
        return ds;
    }

    /// <summary>Puts back what a state file held, transaction groups included.</summary>
    public void Restore(long txg, IEnumerable<SimPool> pools, IEnumerable<SimDataset> datasets)
    {
        Txg = txg;
        foreach (var pool in pools) _pools[pool.Name] = pool;
        foreach (var ds in datasets) _datasets[ds.Name] = ds;
    }

    /// <summary>Forgets a dataset and clears any pool's bootfs that named it.</summary>
    public void Remove(SimDataset ds)
    {
        _datasets.Remove(ds.Name);
        foreach (var pool in _pools.Values.Where(p => p.Bootfs == ds.Name)) pool.Bootfs = null;
    }

    /// <summary>Renames one dataset and what names it here: clones' origins and bootfs (mounts are the mount table's).</summary>
    public void Rename(SimDataset ds, string newName)
    {
        var old = ds.Name;
        _datasets.Remove(old);
        ds.Name = newName;
        _datasets.Add(newName, ds);
        foreach (var clone in _datasets.Values.Where(d => d.Origin == old)) clone.Origin = newName;
        foreach (var pool in _pools.Values.Where(p => p.Bootfs == old)) pool.Bootfs = newName;
    }

    /// <summary>The dataset and everything below it (file systems and snapshots), parents before children.</summary>
    public IEnumerable<SimDataset> Subtree(string name) =>
        _datasets.Values
            .Where(d => d.Name == name || d.Name.StartsWith(name + "/", StringComparison.Ordinal)
                || d.Name.StartsWith(name + "@", StringComparison.Ordinal))
            .OrderBy(d => d.FileSystem.Count(ch => ch == '/')).ThenBy(d => d.IsSnapshot).ThenBy(d => d.Txg);

    /// <summary>The file system's own snapshots, oldest first.</summary>
    public List<SimDataset> SnapshotsOf(string fileSystem) =>
        [.. _datasets.Values.Where(d => d.IsSnapshot && d.FileSystem == fileSystem).OrderBy(d => d.Txg)];

    public IEnumerable<SimDataset> ClonesOf(string snapshot) => _datasets.Values.Where(d => d.Origin == snapshot);

    /// <summary>readonly=on on the dataset or the nearest ancestor that sets it.</summary>
    public bool IsReadOnly(string name)
    {
        for (var ds = Find(name); ds is not null; ds = ds.Parent is { } p ? Find(p) : null)
            if (ds.Local.TryGetValue("readonly", out var value)) return value == "on";
        return false;
    }

    /// <summary>
    /// The mountpoint as zfs reports it: the local value, else the parent's with "/name" appended
    /// ("none" and "legacy" are inherited as they are); a pool's root defaults to "/pool".
    /// <paramref name="memo"/> lets a listing resolve each ancestor once.
    /// </summary>
    public string? EffectiveMountPoint(SimDataset ds, Dictionary<string, string?>? memo = null)
    {
        if (ds.IsSnapshot) return null;
        if (ds.Local.TryGetValue("mountpoint", out var local)) return local;
        if (memo is not null && memo.TryGetValue(ds.Name, out var known)) return known;
        string? result;
        if (ds.Parent is not { } parentName || Find(parentName) is not { } parent) result = "/" + ds.Name;
        else
        {
            var inherited = EffectiveMountPoint(parent, memo);
            var child = ds.Name[(parentName.Length + 1)..];
            result = inherited is "none" or "legacy" or null ? inherited : inherited == "/" ? "/" + child : $"{inherited}/{child}";
        }
        if (memo is not null) memo[ds.Name] = result;
        return result;
    }

    /// <summary>The file system and its descendants whose mountpoint follows its own.</summary>
    public List<SimDataset> InheritingMountPoint(SimDataset ds)
    {
        var result = new List<SimDataset> { ds };
        foreach (var d in Subtree(ds.Name).Where(d => !d.IsSnapshot && d != ds))
        {
            // Inherits when no dataset between it and ds (itself included) sets a local mountpoint.
            var inherits = true;
            for (var n = d.Name; n != ds.Name && inherits; n = n[..n.LastIndexOf('/')])
                inherits = !_datasets[n].Local.ContainsKey("mountpoint");
            if (inherits) result.Add(d);
        }
        return result;
    }
}
