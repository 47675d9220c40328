namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The simulated pools and their datasets, by name, with what zfs derives from names, origins and
/// inheritance: children, snapshots, clones, the effective mountpoint and readonly. It hands out
/// transaction groups, so creation order is the table's, never the clock's. It keeps what zfs keeps
/// (issue 13): each file system's children and snapshots and each snapshot's clones indexed, and each
/// file system's space figures until something below it changes, so that reading a few datasets costs
/// what they are, not the pool. Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its one
/// lock around every use.
/// </summary>
internal sealed class DatasetTable
{
    private readonly Dictionary<string, SimPool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimDataset> _datasets = new(StringComparer.Ordinal);
    // File systems by their parent's name, in name order (zfs get -r's order).
    private readonly Dictionary<string, SortedSet<string>> _children = new(StringComparer.Ordinal);
    // Snapshots by their file system's name, oldest (lowest txg) first.
    private readonly Dictionary<string, List<SimDataset>> _snapshots = new(StringComparer.Ordinal);
    // Clones by the name of their origin snapshot.
    private readonly Dictionary<string, HashSet<SimDataset>> _clones = new(StringComparer.Ordinal);

    // The datasets whose name, origin, tree or own properties changed, or that came or went, since a store took them
    // (StateStore): what a write compares, instead of every dataset (issue 13: at 1000 BEs each zfs command walked 11,500).
    // Collected only once a store takes them: a table nobody persists keeps nothing.
    private HashSet<SimDataset>? _changed;

    /// <summary>The last transaction group handed out.</summary>
    public long Txg { get; private set; }

    public IReadOnlyDictionary<string, SimPool> Pools => _pools;

    public IEnumerable<SimDataset> All => _datasets.Values;

    public SimDataset this[string name] => _datasets[name];

    public bool Contains(string name) => _datasets.ContainsKey(name);

    public SimDataset? Find(string name) => _datasets.GetValueOrDefault(name);

    public SimDataset? FindFileSystem(string name) => Find(name) is { IsSnapshot: false } ds ? ds : null;

    public void AddPool(SimPool pool) => _pools.Add(pool.Name, pool);

    /// <summary>
    /// A new dataset with the next transaction group and a copy of <paramref name="local"/> as its own properties;
    /// <paramref name="createTxg"/>: the group the datasets of one command share (a recursive snapshot's), its own by default.
    /// </summary>
    public SimDataset Add(string name, bool isSnapshot, DirNode root, DateTimeOffset created, string? origin = null,
        IReadOnlyDictionary<string, string>? local = null, long? createTxg = null)
    {
        var txg = ++Txg;
        var ds = new SimDataset
        {
            Name = name,
            IsSnapshot = isSnapshot,
            Created = created,
            Txg = txg,
            CreateTxg = createTxg ?? txg,
            Root = root,
            Origin = origin,
            Local = new Dictionary<string, string>(local ?? new Dictionary<string, string>(), StringComparer.Ordinal),
        };
        _datasets.Add(name, ds);
        Index(ds);
        return ds;
    }

    /// <summary>Puts back what a state file held, transaction groups included.</summary>
    public void Restore(long txg, IEnumerable<SimPool> pools, IEnumerable<SimDataset> datasets)
    {
        Txg = txg;
        foreach (var pool in pools) _pools[pool.Name] = pool;
        foreach (var ds in datasets)
        {
            if (_datasets.Remove(ds.Name, out var replaced)) Unindex(replaced);
            _datasets[ds.Name] = ds;
        }
        foreach (var ds in _datasets.Values.Where(d => d.Table is null).OrderBy(d => d.Txg)) Index(ds);
    }

    /// <summary>Notes that <paramref name="ds"/> changed: its own properties (<see cref="SimDataset.Local"/>), which it cannot tell; the table notes the rest itself.</summary>
    internal void Changed(SimDataset ds) => _changed?.Add(ds);

    /// <summary>The datasets changed, added or removed since the last call, and from now on collected; null on the first
    /// call (nothing was collected: anything may have changed).</summary>
    internal HashSet<SimDataset>? TakeChanged()
    {
        var taken = _changed;
        _changed = new(ReferenceEqualityComparer.Instance);
        return taken;
    }

    /// <summary>Forgets a dataset and clears any pool's bootfs that named it.</summary>
    public void Remove(SimDataset ds)
    {
        _datasets.Remove(ds.Name);
        Unindex(ds);
        foreach (var pool in _pools.Values.Where(p => p.Bootfs == ds.Name)) pool.Bootfs = null;
    }

    /// <summary>Renames one dataset and what names it here: clones' origins and bootfs (mounts are the mount table's).</summary>
    public void Rename(SimDataset ds, string newName)
    {
        var old = ds.Name;
        _datasets.Remove(old);
        Unindex(ds);
        ds.Name = newName;
        _datasets.Add(newName, ds);
        Index(ds);
        // The clones follow the snapshot's name; their space figures, which come from the snapshot itself, stand (at 1000
        // BEs a promote renames about 510 snapshots with 999 clones, each of which was worked out again on the next read).
        if (_clones.Remove(old, out var clones))
        {
            foreach (var clone in clones)
            {
                clone.OriginRenamed(newName);
                Changed(clone);
            }
            if (_clones.TryGetValue(newName, out var there)) there.UnionWith(clones);
            else _clones.Add(newName, clones);
        }
        foreach (var pool in _pools.Values.Where(p => p.Bootfs == old)) pool.Bootfs = newName;
    }

    /// <summary>The dataset and everything below it (file systems and snapshots), parents before children.</summary>
    public IEnumerable<SimDataset> Subtree(string name)
    {
        var found = new List<SimDataset>();
        void Collect(SimDataset fs)
        {
            found.Add(fs);
            found.AddRange(_snapshots.GetValueOrDefault(fs.Name) ?? []);
            foreach (var child in _children.GetValueOrDefault(fs.Name) ?? []) Collect(_datasets[child]);
        }
        if (Find(name) is { } root)
        {
            if (root.IsSnapshot) found.Add(root);
            else Collect(root);
        }
        return found.OrderBy(d => d.FileSystem.Count(ch => ch == '/')).ThenBy(d => d.IsSnapshot).ThenBy(d => d.Txg);
    }

    /// <summary>The file system's own snapshots, oldest first.</summary>
    public List<SimDataset> SnapshotsOf(string fileSystem) => [.. _snapshots.GetValueOrDefault(fileSystem) ?? []];

    /// <summary>The file systems directly below <paramref name="fileSystem"/>, by name.</summary>
    public IEnumerable<SimDataset> ChildrenOf(string fileSystem) =>
        (_children.GetValueOrDefault(fileSystem) ?? []).Select(n => _datasets[n]);

    public IEnumerable<SimDataset> ClonesOf(string snapshot) => [.. _clones.GetValueOrDefault(snapshot) ?? []];

    public int CloneCount(string snapshot) => _clones.GetValueOrDefault(snapshot)?.Count ?? 0;

    /// <summary>
    /// What a file system uses, snapshots and children included, worked out again only where something
    /// below it changed since (<see cref="Touch"/>); each of its snapshots' <see cref="SimDataset.SnapshotUsed"/>
    /// with it. <paramref name="overhead"/> is what every file system holds whatever its files.
    /// </summary>
    public long Total(SimDataset fs, long overhead)
    {
        if (fs.Total is { } known) return known;
        var snaps = _snapshots.GetValueOrDefault(fs.Name) ?? [];
        var originRoot = fs.Origin is not null ? Find(fs.Origin)?.Root : null;
        long snapshotsUsed = 0;
        for (var i = 0; i < snaps.Count; i++)
        {
            var previous = i > 0 ? snaps[i - 1].Root : originRoot;
            var next = i + 1 < snaps.Count ? snaps[i + 1].Root : fs.Root;
            snaps[i].SnapshotUsed = snaps[i].UniqueBytes(previous, next);
            snapshotsUsed += snaps[i].SnapshotUsed;
        }
        var baseline = snaps.Count > 0 ? snaps[^1].Root : originRoot;
        var total = overhead + fs.UniqueBytes(baseline, null) + snapshotsUsed + ChildrenOf(fs.Name).Sum(c => Total(c, overhead));
        fs.Total = total;
        return total;
    }

    /// <summary>
    /// Something a dataset's space figures come from changed (its tree, its origin, a snapshot or child came
    /// or went): its file system's figures and every ancestor's are worked out again on the next read. An
    /// ancestor already cleared has its own ancestors cleared too.
    /// </summary>
    internal void Touch(SimDataset ds)
    {
        Changed(ds); // its tree or its origin
        TouchFrom(ds.FileSystem);
    }

    private void TouchFrom(string? fileSystem)
    {
        for (var name = fileSystem; name is not null && Find(name) is { Total: not null } fs; name = fs.Parent)
            fs.Total = null;
    }

    /// <summary>What holds a dataset's space: a snapshot's file system, a file system's parent (null for a pool's root).</summary>
    private static string? Holder(SimDataset ds) => ds.IsSnapshot ? ds.FileSystem : ds.Parent;

    /// <summary>A clone's origin changed (a promote, a renamed origin): the clone index follows, and its space figures.</summary>
    internal void OriginChanged(SimDataset ds, string? old)
    {
        if (old is not null && _clones.TryGetValue(old, out var before))
        {
            before.Remove(ds);
            if (before.Count == 0) _clones.Remove(old);
        }
        if (ds.Origin is { } origin) Bucket(_clones, origin, () => new HashSet<SimDataset>(ReferenceEqualityComparer.Instance)).Add(ds);
        Touch(ds);
    }

    private void Index(SimDataset ds)
    {
        ds.Table = this;
        Changed(ds);
        if (ds.IsSnapshot)
        {
            var list = Bucket(_snapshots, ds.FileSystem, () => []);
            var at = list.FindLastIndex(s => s.Txg < ds.Txg) + 1; // a promote moves older snapshots in
            list.Insert(at, ds);
        }
        else if (ds.Parent is { } parent)
        {
            Bucket(_children, parent, () => new SortedSet<string>(StringComparer.Ordinal)).Add(ds.Name);
        }
        if (ds.Origin is { } origin) Bucket(_clones, origin, () => new HashSet<SimDataset>(ReferenceEqualityComparer.Instance)).Add(ds);
        ds.Total = null;
        TouchFrom(Holder(ds));
    }

    private void Unindex(SimDataset ds)
    {
        TouchFrom(Holder(ds));
        if (ds.IsSnapshot) Drop(_snapshots, ds.FileSystem, list => list.Remove(ds), list => list.Count);
        else if (ds.Parent is { } parent) Drop(_children, parent, set => set.Remove(ds.Name), set => set.Count);
        if (ds.Origin is { } origin) Drop(_clones, origin, set => set.Remove(ds), set => set.Count);
        ds.Table = null;
        Changed(ds);
    }

    private static T Bucket<T>(Dictionary<string, T> index, string key, Func<T> make)
    {
        if (!index.TryGetValue(key, out var bucket)) index.Add(key, bucket = make());
        return bucket;
    }

    private static void Drop<T>(Dictionary<string, T> index, string key, Func<T, bool> remove, Func<T, int> count)
    {
        if (index.TryGetValue(key, out var bucket) && remove(bucket) && count(bucket) == 0) index.Remove(key);
    }

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
