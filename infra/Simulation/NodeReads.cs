using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// What reading a node gives, with the exceptions .NET's own file APIs throw on Linux: one answer
/// for the port and the process view, which differ only in how they reach the node.
/// </summary>
internal static class NodeReads
{
    public static FileKind KindOf(Node? node) => node switch
    {
        DirNode => FileKind.Directory,
        FileNode => FileKind.File,
        LinkNode => FileKind.Symlink,
        SpecialNode => FileKind.Other,
        _ => FileKind.Missing,
    };

    public static IReadOnlyList<string> List(Node? node, string directory) => node switch
    {
        DirNode dir => [.. dir.Entries.Keys],
        null => throw new DirectoryNotFoundException($"No such directory: {directory}"),
        _ => throw new IOException($"Not a directory: {directory}", 20),
    };

    public static byte[] Read(Node? node, string path) => node switch
    {
        // A copy: the stored array is shared by every snapshot that holds the file.
        FileNode file => file.Content.ToArray(),
        DirNode => throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory."),
        SpecialNode => throw new IOException($"Not a regular file: {path}"),
        _ => throw new FileNotFoundException($"Could not find file '{path}'.", path),
    };

    public static string ReadLink(Node? node, string path) => node switch
    {
        LinkNode link => link.Target,
        null => throw new FileNotFoundException($"No such file or directory: {path}", path),
        _ => throw new IOException($"Invalid argument: {path} is not a symbolic link", 22),
    };

    /// <summary>What lstat shows; <paramref name="device"/> is the volume the node was reached through.</summary>
    public static FileStatus Stat(Node node, long device)
    {
        var size = node switch
        {
            FileNode file => file.Content.LongLength,
            LinkNode link => System.Text.Encoding.UTF8.GetByteCount(link.Target),
            // What ZFS reports for a directory (measured on zfs-fuse): its entries plus "." and "..".
            DirNode dir => dir.Entries.Count + 2,
            _ => 0,
        };
        var links = node is DirNode d ? 2 + d.Entries.Values.Count(n => n is DirNode) : 1;
        return new FileStatus(KindOf(node), node.Meta.Mode, node.Meta.Uid, node.Meta.Gid, size, device, node.Meta.Inode, links,
            (node as SpecialNode)?.Special);
    }
}
