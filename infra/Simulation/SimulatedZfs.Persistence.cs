using System.Collections.Immutable;
using System.Text.Json;

namespace SnapUpgrade.Infra.Simulation;

// The state file: written whole after each change (temp file + atomic rename), read at start.
public sealed partial class SimulatedZfs
{
    private int _persistenceDeferred;

    /// <summary>
    /// Holds writes of the state file until the scope is completed and disposed, then writes once:
    /// a multi-step build (the demo seed) lands whole or not at all, so a crash or failure half-way
    /// never leaves a state file with a pool that looks seeded.
    /// </summary>
    internal PersistenceScope DeferPersistence()
    {
        lock (_gate) _persistenceDeferred++;
        return new PersistenceScope(this);
    }

    internal sealed class PersistenceScope(SimulatedZfs owner) : IDisposable
    {
        private bool _completed;
        private bool _disposed;

        public void Complete() => _completed = true;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            lock (owner._gate)
            {
                if (--owner._persistenceDeferred == 0 && _completed) owner.Persist();
            }
        }
    }

    private void Persist()
    {
        if (_stateFile is null || _persistenceDeferred > 0) return;
        var nodes = new List<NodeState>();
        var ids = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var state = new StateFile
        {
            Txg = _txg,
            Pools = [.. _pools.Values.Select(p => new PoolState { Name = p.Name, Guid = p.Guid, Bootfs = p.Bootfs })],
            Datasets = [.. _datasets.Values.OrderBy(d => d.Txg).Select(d => new DatasetState
            {
                Name = d.Name, Snapshot = d.IsSnapshot, Created = d.Created, Txg = d.Txg, Origin = d.Origin,
                Properties = new Dictionary<string, string>(d.Local), Root = Store(d.Root, ids, nodes),
            })],
            Mounts = [.. _mounts.Select(m => new MountState
            {
                Target = m.Target, Dataset = m.Dataset, SourcePath = [.. m.SourcePath], ReadOnly = m.ReadOnly,
                Bind = m.IsBind, Source = m.Source,
            })],
            BaseRoot = Store(_baseRoot, ids, nodes),
            NextInode = _nextInode,
            Nodes = nodes,
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(_stateFile))!;
        Directory.CreateDirectory(directory);
        // A crash mid-write must leave the previous state readable: write aside, then rename over it.
        var temp = Path.Combine(directory, $".{Path.GetFileName(_stateFile)}.{Environment.ProcessId}.tmp");
        using (var stream = File.Create(temp)) JsonSerializer.Serialize(stream, state, StateFileJson.Default.StateFile);
        File.Move(temp, _stateFile, overwrite: true);
    }

    private static int Store(Node node, Dictionary<Node, int> ids, List<NodeState> nodes)
    {
        if (ids.TryGetValue(node, out var id)) return id;
        var stored = node switch
        {
            DirNode dir => new NodeState
            {
                Kind = "d", Mode = dir.Mode,
                Entries = dir.Entries.ToDictionary(e => e.Key, e => Store(e.Value, ids, nodes), StringComparer.Ordinal),
            },
            FileNode file => new NodeState { Kind = "f", Mode = file.Mode, Data = file.Content },
            LinkNode link => new NodeState { Kind = "l", Mode = link.Mode, Target = link.Target },
            FifoNode fifo => new NodeState { Kind = "p", Mode = fifo.Mode },
            _ => throw new InvalidOperationException($"Unknown node {node.GetType().Name}."),
        };
        stored.Uid = node.Meta.Uid == 0 ? null : node.Meta.Uid;
        stored.Gid = node.Meta.Gid == 0 ? null : node.Meta.Gid;
        stored.Ino = node.Meta.Inode;
        nodes.Add(stored);
        ids[node] = nodes.Count - 1;
        return nodes.Count - 1;
    }

    private void Load(string path)
    {
        StateFile state;
        using (var stream = File.OpenRead(path))
            state = JsonSerializer.Deserialize(stream, StateFileJson.Default.StateFile)
                ?? throw new InvalidDataException($"Empty simulator state file '{path}'.");
        if (state.Version != 1) throw new InvalidDataException($"Unknown simulator state version {state.Version} in '{path}'.");

        // Children were stored before their parents, so one pass rebuilds every shared subtree once.
        // Files from before owners and inodes were kept get root's and fresh numbers past the rest.
        _nextInode = Math.Max(state.NextInode ?? 0, state.Nodes.Select(n => n.Ino ?? 0).DefaultIfEmpty().Max() + 1);
        var nodes = new Node[state.Nodes.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            var n = state.Nodes[i];
            var meta = new NodeMeta(n.Mode, n.Uid ?? 0, n.Gid ?? 0, n.Ino ?? _nextInode++);
            nodes[i] = n.Kind switch
            {
                "d" => new DirNode(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
                    (n.Entries ?? []).Select(e => KeyValuePair.Create(e.Key, nodes[e.Value]))), meta),
                "f" => new FileNode(n.Data ?? [], meta),
                "l" => new LinkNode(n.Target ?? "", meta),
                "p" => new FifoNode(meta),
                _ => throw new InvalidDataException($"Unknown node kind '{n.Kind}' in '{path}'."),
            };
        }
        _txg = state.Txg;
        foreach (var p in state.Pools) _pools[p.Name] = new SimPool { Name = p.Name, Guid = p.Guid, Bootfs = p.Bootfs };
        foreach (var d in state.Datasets)
            _datasets[d.Name] = new SimDataset
            {
                Name = d.Name, IsSnapshot = d.Snapshot, Created = d.Created, Txg = d.Txg, Origin = d.Origin,
                Local = new Dictionary<string, string>(d.Properties, StringComparer.Ordinal), Root = (DirNode)nodes[d.Root],
            };
        foreach (var m in state.Mounts)
            _mounts.Add(new SimMount(m.Target, m.Dataset, [.. m.SourcePath], m.ReadOnly, m.Bind, m.Source));
        _baseRoot = (DirNode)nodes[state.BaseRoot];
    }
}
