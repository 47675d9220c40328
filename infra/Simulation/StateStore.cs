using System.Collections.Immutable;
using System.Text.Json;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// Writes the parts of the simulated host to a <see cref="StateFile"/> and reads them back. The
/// file is written whole each time (temp file, then an atomic rename), so a crash mid-write leaves
/// the previous state readable. Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its
/// one lock around every use.
/// </summary>
internal static class StateStore
{
    public static void Write(string file, DatasetTable datasets, MountTable mounts, VolumeTrees trees)
    {
        var nodes = new List<NodeState>();
        var ids = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        var state = new StateFile
        {
            Txg = datasets.Txg,
            Pools = [.. datasets.Pools.Values.Select(p => new PoolState { Name = p.Name, Guid = p.Guid, Bootfs = p.Bootfs })],
            Datasets = [.. datasets.All.OrderBy(d => d.Txg).Select(d => new DatasetState
            {
                Name = d.Name, Snapshot = d.IsSnapshot, Created = d.Created, Txg = d.Txg, CreateTxg = d.CreateTxg, Origin = d.Origin,
                Properties = new Dictionary<string, string>(d.Local), Root = Store(d.Root, ids, nodes),
            })],
            // An upgrade's tmpfs and overlays end with the console process here, as after a reboot (ADR 0026).
            Mounts = [.. mounts.Entries.Where(m => !m.IsStaging).Select(m => new MountState
            {
                Target = m.Target, Dataset = m.Dataset, SourcePath = [.. m.SourcePath], ReadOnly = m.ReadOnly,
                Bind = m.IsBind, Source = m.Source,
            })],
            BaseRoot = Store(trees.BaseRoot, ids, nodes),
            NextInode = trees.NextInode,
            Nodes = nodes,
        };
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(file)}.{Environment.ProcessId}.tmp");
        using (var stream = File.Create(temp)) JsonSerializer.Serialize(stream, state, StateFileJson.Default.StateFile);
        File.Move(temp, file, overwrite: true);
    }

    /// <summary>Fills empty parts from <paramref name="file"/>.</summary>
    public static void Read(string file, DatasetTable datasets, MountTable mounts, VolumeTrees trees)
    {
        StateFile state;
        using (var stream = File.OpenRead(file))
            state = JsonSerializer.Deserialize(stream, StateFileJson.Default.StateFile)
                ?? throw new InvalidDataException($"Empty simulator state file '{file}'.");
        if (state.Version != 1) throw new InvalidDataException($"Unknown simulator state version {state.Version} in '{file}'.");

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
                _ => throw new InvalidDataException($"Unknown node kind '{n.Kind}' in '{file}'."),
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

    private static int Store(Node node, Dictionary<Node, int> ids, List<NodeState> nodes)
    {
        if (ids.TryGetValue(node, out var id)) return id;
        var stored = node switch
        {
            DirNode dir => new NodeState
            {
                Kind = "d",
                Mode = dir.Mode,
                Entries = dir.Entries.ToDictionary(e => e.Key, e => Store(e.Value, ids, nodes), StringComparer.Ordinal),
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
        ids[node] = nodes.Count - 1;
        return nodes.Count - 1;
    }
}
