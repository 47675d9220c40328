using System.Collections.Immutable;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// Immutable file-tree nodes. A snapshot is a reference to a root and a clone starts by sharing it,
/// so both are free; a write rebuilds only the directories on its path. Nothing here is ever mutated
/// after construction (file contents included), which is what makes the sharing safe.
/// </summary>
/// <remarks>
/// What lstat shows travels with the node: mode, numeric owner and group, and an inode number the
/// simulator hands out. A rebuilt directory or a rewritten file keeps its inode (as the kernel
/// keeps a file's identity across writes and renames); a snapshot or clone shares it, as ZFS
/// clones keep object numbers. The device is the volume a node is reached through.
/// </remarks>
internal abstract class Node(NodeMeta meta)
{
    /// <summary>Bytes charged per node for metadata (one 512-byte block, like a dnode).</summary>
    public const long Block = 512;

    public NodeMeta Meta { get; } = meta;
    public int Mode => Meta.Mode;

    /// <summary>Space this node and everything below it take, in blocks: cheap and plausible.</summary>
    public abstract long Size { get; }

    /// <summary>The same node with other metadata (chmod, chown, a copy's new inode).</summary>
    public abstract Node WithMeta(NodeMeta meta);
}

/// <summary>Permission bits (07777), numeric owner and group, the inode number, and extended attributes (null: none).</summary>
internal readonly record struct NodeMeta(int Mode, int Uid, int Gid, long Inode, ImmutableSortedDictionary<string, byte[]>? Xattrs = null);

internal sealed class FileNode(byte[] content, NodeMeta meta) : Node(meta)
{
    public const int DefaultMode = 0x1A4; // 0644

    public byte[] Content { get; } = content;
    public override long Size { get; } = Block + (content.Length + Block - 1) / Block * Block;

    public override Node WithMeta(NodeMeta meta) => new FileNode(Content, meta);
}

internal sealed class LinkNode(string target, NodeMeta meta) : Node(meta with { Mode = LinkMode })
{
    /// <summary>Links have no permissions of their own on Linux; lstat shows 0777.</summary>
    public const int LinkMode = 0x1FF;

    public string Target { get; } = target;
    public override long Size => Block;

    public override Node WithMeta(NodeMeta meta) => new LinkNode(Target, meta);
}

/// <summary>
/// A FIFO, socket or device (what <see cref="SnapUpgrade.Core.Host.FileKind.Other"/> stands for; a
/// FIFO unless said otherwise; overlayfs' whiteouts are character devices 0/0): copied as itself, never read.
/// </summary>
internal sealed class SpecialNode(NodeMeta meta, SnapUpgrade.Core.Host.SpecialFile? special = null) : Node(meta)
{
    public SnapUpgrade.Core.Host.SpecialFile Special { get; } = special ?? SnapUpgrade.Core.Host.SpecialFile.Fifo;

    public override long Size => Block;

    public override Node WithMeta(NodeMeta meta) => new SpecialNode(meta, Special);
}

internal sealed class DirNode : Node
{
    public const int DefaultMode = 0x1ED; // 0755

    /// <summary>The root of a new dataset (inode 1 in each: the device tells them apart).</summary>
    public static readonly DirNode Empty = new(ImmutableSortedDictionary.Create<string, Node>(StringComparer.Ordinal),
        new NodeMeta(DefaultMode, 0, 0, 1));

    public DirNode(ImmutableSortedDictionary<string, Node> entries, NodeMeta meta) : base(meta)
    {
        Entries = entries;
        Size = Block + entries.Values.Sum(n => n.Size);
    }

    public ImmutableSortedDictionary<string, Node> Entries { get; }
    public override long Size { get; }

    public DirNode With(string name, Node? child) =>
        new(child is null ? Entries.Remove(name) : Entries.SetItem(name, child), Meta);

    public override Node WithMeta(NodeMeta meta) => new DirNode(Entries, meta);

    public static DirNode New(NodeMeta meta) => new(Empty.Entries, meta);
}

internal static class FileTree
{
    /// <summary>The node at <paramref name="path"/> below <paramref name="root"/>, without following links; null when missing.</summary>
    public static Node? Get(DirNode root, ReadOnlySpan<string> path)
    {
        Node current = root;
        foreach (var name in path)
        {
            if (current is not DirNode dir || !dir.Entries.TryGetValue(name, out var next)) return null;
            current = next;
        }
        return current;
    }

    /// <summary>A new root with <paramref name="node"/> at <paramref name="path"/> (removed when null). Parents must exist.</summary>
    public static DirNode Set(DirNode root, ReadOnlySpan<string> path, Node? node)
    {
        if (path.Length == 0) throw new InvalidOperationException("The root of a file tree cannot be replaced.");
        if (path.Length == 1) return root.With(path[0], node);
        var child = root.Entries.GetValueOrDefault(path[0]) as DirNode
            ?? throw new DirectoryNotFoundException($"No directory '{path[0]}'.");
        return root.With(path[0], Set(child, path[1..], node));
    }

    /// <summary>
    /// Bytes of <paramref name="tree"/> not shared (by reference, at the same path) with either other
    /// tree: what a dataset holds on its own. Shared subtrees are skipped whole, so the cost follows
    /// the size of the difference, not of the trees.
    /// </summary>
    public static long Unique(Node tree, Node? other1, Node? other2)
    {
        if (ReferenceEquals(tree, other1) || ReferenceEquals(tree, other2)) return 0;
        if (tree is not DirNode dir) return tree.Size;
        var a = other1 as DirNode;
        var b = other2 as DirNode;
        var total = Node.Block;
        foreach (var (name, child) in dir.Entries)
            total += Unique(child, a?.Entries.GetValueOrDefault(name), b?.Entries.GetValueOrDefault(name));
        return total;
    }
}
