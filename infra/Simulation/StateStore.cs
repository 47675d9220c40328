using System.Collections.Immutable;
using System.Text.Json;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// Keeps the simulated host in a <see cref="StateFile"/>, the base, and a journal beside it
/// (<see cref="JournalOf"/>). A base is written whole (temp file, then an atomic rename); after it each write appends one
/// line with only what changed since the last write, looked for among the datasets the table says changed, came or
/// went (<see cref="DatasetTable.TakeChanged"/>), so persisting a change costs what it touched, not the host (issue
/// 13; comparing every dataset cost about a millisecond a command at 1000 BEs). The journal's header names the
/// base's generation, so a journal left from an older base (a crash between a new base and its journal) is never
/// applied. A crash mid-append leaves a torn last line, which reading drops: at most the change being written is
/// lost, as with the whole-file write before the journal. Nothing is fsynced, then as now: a power cut can lose
/// what the kernel had not written back. One writer per file (the engine holds a lock); not thread-safe on its own:
/// <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class StateStore(string stateFile)
{
    // What is on disk, to find what changed: each stored node by identity (nodes never change, so its id
    // holds until the next base), each dataset as last written, and the small parts.
    private readonly Dictionary<Node, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<SimDataset, Written> _written = new(ReferenceEqualityComparer.Instance);
    private string? _generation;
    private (string Name, string? Bootfs)[] _pools = [];
    private SimMount[] _mounts = [];
    private long _txg;
    private long _nextInode;
    private int _baseRoot;
    private long _baseLength;
    private long _journalLength;

    private string Journal => JournalOf(stateFile);

    /// <summary>The journal of the state file <paramref name="stateFile"/>: whoever removes one removes both.</summary>
    public static string JournalOf(string stateFile) => stateFile + ".journal";

    /// <summary>
    /// Persists the parts: a new base on this store's first write (so a process never appends to a journal
    /// it did not number, nor after a torn line) and when the journal has grown past the base (reading it
    /// then costs more than a base; the appends a base replaces were at least as many bytes); else one
    /// journal line, or nothing when nothing changed.
    /// </summary>
    public void Write(DatasetTable datasets, MountTable mounts, VolumeTrees trees)
    {
        try
        {
            var changed = datasets.TakeChanged();
            if (_generation is null || _journalLength > _baseLength || !File.Exists(Journal) || changed is null) WriteBase(datasets, mounts, trees);
            else Append(datasets, mounts, trees, changed);
        }
        catch
        {
            _generation = null; // what reached the disk is not known: the next write starts from a base
            throw;
        }
    }

    private void WriteBase(DatasetTable datasets, MountTable mounts, VolumeTrees trees)
    {
        _generation = null;
        _ids.Clear(); // drops the nodes nothing holds any more
        _written.Clear();
        var nodes = new List<NodeState>();
        var generation = Guid.NewGuid().ToString("N");
        var kept = Kept(mounts);
        var state = new StateFile
        {
            Generation = generation,
            Txg = datasets.Txg,
            Pools = PoolStates(datasets),
            Datasets = [.. datasets.All.OrderBy(d => d.Txg).Select(d => Describe(d, nodes))],
            Mounts = MountStates(kept),
            BaseRoot = Store(trees.BaseRoot, nodes),
            NextInode = trees.NextInode,
            Nodes = nodes,
        };
        _baseLength = Replace(stateFile, stream => JsonSerializer.Serialize(stream, state, StateFileJson.Default.StateFile));
        _journalLength = Replace(Journal, stream =>
        {
            JsonSerializer.Serialize(stream, new JournalHeader { Generation = generation }, StateFileJson.Default.JournalHeader);
            stream.WriteByte((byte)'\n');
        });
        _generation = generation;
        Remember(datasets, kept, trees, state.BaseRoot);
    }

    /// <param name="touched">The datasets the table says changed, came or went since the last write (<see cref="DatasetTable.TakeChanged"/>).</param>
    private void Append(DatasetTable datasets, MountTable mounts, VolumeTrees trees, HashSet<SimDataset> touched)
    {
        var firstNode = _ids.Count;
        var nodes = new List<NodeState>();
        var changed = new List<DatasetState>();
        var removed = new List<string>();
        foreach (var ds in touched)
        {
            _written.TryGetValue(ds, out var written);
            if (!ReferenceEquals(datasets.Find(ds.Name), ds)) // gone
            {
                if (written is not null && _written.Remove(ds)) removed.Add(written.Name);
                continue;
            }
            if (written is not null)
            {
                if (written.Matches(ds)) continue;
                if (written.Name != ds.Name) removed.Add(written.Name);
            }
            changed.Add(Describe(ds, nodes));
        }
        var baseRoot = Store(trees.BaseRoot, nodes);
        var kept = Kept(mounts);
        if (changed.Count == 0 && removed.Count == 0 && nodes.Count == 0 && Bootfs(datasets).SequenceEqual(_pools)
            && kept.SequenceEqual(_mounts, ReferenceEqualityComparer.Instance)
            && (_txg, _nextInode, _baseRoot) == (datasets.Txg, trees.NextInode, baseRoot))
            return; // a command that failed before changing anything
        var record = new JournalRecord
        {
            Txg = datasets.Txg,
            Pools = PoolStates(datasets),
            Datasets = changed,
            Removed = removed,
            Mounts = MountStates(kept),
            BaseRoot = baseRoot,
            NextInode = trees.NextInode,
            FirstNode = firstNode,
            Nodes = nodes,
        };
        var line = JsonSerializer.SerializeToUtf8Bytes(record, StateFileJson.Default.JournalRecord);
        using (var stream = new FileStream(Journal, FileMode.Append, FileAccess.Write))
        {
            stream.Write(line);
            stream.WriteByte((byte)'\n');
        }
        _journalLength += line.Length + 1;
        Remember(datasets, kept, trees, baseRoot);
    }

    /// <summary>The dataset as stored now, remembered as written.</summary>
    private DatasetState Describe(SimDataset ds, List<NodeState> nodes)
    {
        var state = new DatasetState
        {
            Name = ds.Name, Snapshot = ds.IsSnapshot, Created = ds.Created, Txg = ds.Txg, CreateTxg = ds.CreateTxg, Origin = ds.Origin,
            Properties = new Dictionary<string, string>(ds.Local), Root = Store(ds.Root, nodes),
        };
        _written[ds] = new Written(ds);
        return state;
    }

    /// <summary>The small parts as written, to tell a change that touched nothing (a refused command).</summary>
    private void Remember(DatasetTable datasets, SimMount[] kept, VolumeTrees trees, int baseRoot) =>
        (_pools, _mounts, _txg, _nextInode, _baseRoot) = (Bootfs(datasets), kept, datasets.Txg, trees.NextInode, baseRoot);

    // A pool's name and guid never change; its bootfs does.
    private static (string Name, string? Bootfs)[] Bootfs(DatasetTable datasets) => [.. datasets.Pools.Values.Select(p => (p.Name, p.Bootfs))];

    private static List<PoolState> PoolStates(DatasetTable datasets) =>
        [.. datasets.Pools.Values.Select(p => new PoolState { Name = p.Name, Guid = p.Guid, Bootfs = p.Bootfs })];

    /// <summary>
    /// The mounts stored: an upgrade's tmpfs and overlays end with the console process here, as after a reboot
    /// (ADR 0026). Entries are immutable records, replaced when they change, so the same ones mean no change.
    /// </summary>
    private static SimMount[] Kept(MountTable mounts) => [.. mounts.Entries.Where(m => !m.IsStaging)];

    private static List<MountState> MountStates(SimMount[] kept) =>
        [.. kept.Select(m => new MountState
        {
            Target = m.Target, Dataset = m.Dataset, SourcePath = [.. m.SourcePath], ReadOnly = m.ReadOnly,
            Bind = m.IsBind, Source = m.Source,
        })];

    /// <summary>Writes <paramref name="path"/> whole through a temp file and a rename, so it is the old or the new, never half; its length.</summary>
    private static long Replace(string path, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        long length;
        using (var stream = File.Create(temp))
        {
            write(stream);
            length = stream.Length;
        }
        File.Move(temp, path, overwrite: true);
        return length;
    }

    /// <summary>
    /// Fills empty parts from the base and the records of its journal. The journal is read before the base:
    /// a reader racing a compaction then finds an old journal over a new base (ignored: the base holds it),
    /// never a new journal's mismatch making it drop what an old journal held.
    /// </summary>
    public void Read(DatasetTable datasets, MountTable mounts, VolumeTrees trees)
    {
        byte[]? journal;
        try
        {
            journal = File.ReadAllBytes(Journal);
        }
        catch (FileNotFoundException)
        {
            journal = null;
        }
        StateFile state;
        using (var stream = File.OpenRead(stateFile))
            state = JsonSerializer.Deserialize(stream, StateFileJson.Default.StateFile)
                ?? throw new InvalidDataException($"Empty simulator state file '{stateFile}'.");
        if (state.Version != 1) throw new InvalidDataException($"Unknown simulator state version {state.Version} in '{stateFile}'.");
        if (journal is not null) ApplyJournal(state, journal);

        // Children were stored before their parents, so one pass rebuilds every shared subtree once.
        // Files from before owners and inodes were kept get root's and fresh numbers past the rest.
        var nextInode = Math.Max(state.NextInode ?? 0, state.Nodes.Select(n => n.Ino ?? 0).DefaultIfEmpty().Max() + 1);
        var nodes = new Node[state.Nodes.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = state.Nodes[i];
            var meta = new NodeMeta(n.Mode, n.Uid ?? 0, n.Gid ?? 0, n.Ino ?? nextInode++,
                n.Xattrs is null ? null : ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, n.Xattrs));
            nodes[i] = n.Kind switch
            {
                "d" => new DirNode(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                    (n.Entries ?? []).Select(e => KeyValuePair.Create(e.Key, nodes[e.Value]))), meta),
                "f" => new FileNode(n.Data ?? [], meta),
                "l" => new LinkNode(n.Target ?? "", meta),
                "p" => new SpecialNode(meta),
                "s" => new SpecialNode(meta, new SpecialFile(SpecialKind.Socket)),
                "c" => new SpecialNode(meta, new SpecialFile(SpecialKind.CharacterDevice, n.Major ?? 0, n.Minor ?? 0)),
                "b" => new SpecialNode(meta, new SpecialFile(SpecialKind.BlockDevice, n.Major ?? 0, n.Minor ?? 0)),
                _ => throw new InvalidDataException($"Unknown node kind '{n.Kind}' in '{stateFile}'."),
            };
        }
        datasets.Restore(state.Txg,
            state.Pools.Select(p => new SimPool { Name = p.Name, Guid = p.Guid, Bootfs = p.Bootfs }),
            state.Datasets.Select(d => new SimDataset
            {
                Name = d.Name,
                IsSnapshot = d.Snapshot,
                Created = d.Created,
                Txg = d.Txg,
                CreateTxg = d.CreateTxg > 0 ? d.CreateTxg : d.Txg,
                Origin = d.Origin,
                Local = new Dictionary<string, string>(d.Properties, StringComparer.Ordinal),
                Root = (DirNode)nodes[d.Root],
            }));
        foreach (var m in state.Mounts)
            mounts.Add(new SimMount(m.Target, m.Dataset, [.. m.SourcePath], m.ReadOnly, m.Bind, m.Source));
        trees.Restore((DirNode)nodes[state.BaseRoot], nextInode);
    }

    /// <summary>
    /// Applies the journal's records to the base, in order, when its header names the base's generation
    /// (else it is from an older base and is left to be replaced). A last line without its newline, or
    /// not JSON, is an append a crash cut short and is dropped; a bad line before it is refused.
    /// </summary>
    private void ApplyJournal(StateFile state, byte[] bytes)
    {
        var journal = Journal;
        if (state.Generation is null) return;
        var end = bytes.AsSpan().IndexOf((byte)'\n');
        JournalHeader? header;
        try
        {
            header = end < 0 ? null : JsonSerializer.Deserialize(bytes.AsSpan(0, end), StateFileJson.Default.JournalHeader);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Bad header on line 1 of simulator journal '{journal}': {e.Message}", e);
        }
        if (header is null) throw new InvalidDataException($"No header on line 1 of simulator journal '{journal}'.");
        if (header.Generation != state.Generation) return;

        Dictionary<string, DatasetState>? byName = null;
        var line = 1;
        for (var at = end + 1; at < bytes.Length; at = end + 1)
        {
            line++;
            var length = bytes.AsSpan(at).IndexOf((byte)'\n');
            if (length < 0) break;
            end = at + length;
            JournalRecord record;
            try
            {
                record = JsonSerializer.Deserialize(bytes.AsSpan(at, length), StateFileJson.Default.JournalRecord)
                    ?? throw new JsonException("A record is null.");
            }
            catch (JsonException) when (end == bytes.Length - 1)
            {
                break;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Bad record on line {line} of simulator journal '{journal}': {e.Message}", e);
            }
            if (record.FirstNode != state.Nodes.Count)
                throw new InvalidDataException(
                    $"The record on line {line} of simulator journal '{journal}' numbers its nodes from {record.FirstNode}, after {state.Nodes.Count}.");
            byName ??= state.Datasets.ToDictionary(d => d.Name, StringComparer.Ordinal);
            foreach (var name in record.Removed) byName.Remove(name);
            foreach (var ds in record.Datasets) byName[ds.Name] = ds;
            state.Nodes.AddRange(record.Nodes);
            (state.Txg, state.Pools, state.Mounts, state.BaseRoot, state.NextInode) =
                (record.Txg, record.Pools, record.Mounts, record.BaseRoot, record.NextInode);
        }
        if (byName is not null) state.Datasets = [.. byName.Values.OrderBy(d => d.Txg)];
    }

    private int Store(Node node, List<NodeState> nodes)
    {
        if (_ids.TryGetValue(node, out var id)) return id;
        var stored = node switch
        {
            DirNode dir => new NodeState
            {
                Kind = "d",
                Mode = dir.Mode,
                Entries = dir.Entries.ToDictionary(e => e.Key, e => Store(e.Value, nodes), StringComparer.Ordinal),
            },
            FileNode file => new NodeState { Kind = "f", Mode = file.Mode, Data = file.Content },
            LinkNode link => new NodeState { Kind = "l", Mode = link.Mode, Target = link.Target },
            SpecialNode special => new NodeState
            {
                Kind = special.Special.Kind switch
                {
                    SpecialKind.Fifo => "p",
                    SpecialKind.Socket => "s",
                    SpecialKind.CharacterDevice => "c",
                    _ => "b",
                },
                Mode = special.Mode,
                Major = special.Special.Major == 0 ? null : special.Special.Major,
                Minor = special.Special.Minor == 0 ? null : special.Special.Minor,
            },
            _ => throw new InvalidOperationException($"Unknown node {node.GetType().Name}."),
        };
        stored.Uid = node.Meta.Uid == 0 ? null : node.Meta.Uid;
        stored.Gid = node.Meta.Gid == 0 ? null : node.Meta.Gid;
        stored.Ino = node.Meta.Inode;
        stored.Xattrs = node.Meta.Xattrs?.ToDictionary(StringComparer.Ordinal);
        nodes.Add(stored);
        id = _ids.Count; // numbered on from what is stored already: the base, then earlier records
        _ids[node] = id;
        return id;
    }

    /// <summary>A dataset as last written, kept to compare with: what of it can change (name, origin, tree, own properties).</summary>
    private sealed class Written(SimDataset ds)
    {
        private readonly string? _origin = ds.Origin;
        private readonly DirNode _root = ds.Root;
        private readonly KeyValuePair<string, string>[] _local = [.. ds.Local];

        public string Name { get; } = ds.Name;

        public bool Matches(SimDataset ds)
        {
            if (!ReferenceEquals(ds.Root, _root) || ds.Name != Name || ds.Origin != _origin || ds.Local.Count != _local.Length) return false;
            foreach (var (key, value) in _local)
                if (!ds.Local.TryGetValue(key, out var now) || now != value) return false;
            return true;
        }
    }
}
