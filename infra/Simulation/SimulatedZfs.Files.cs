using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

// IHostFiles over the per-dataset trees, with the exceptions .NET's own file APIs throw on Linux.
// Every path goes through ResolveNoFollow: the port never follows a link (see IHostFiles).
public sealed partial class SimulatedZfs
{
    public FileKind GetKind(string path) => Read(() => KindOf(NodeAt(ResolveNoFollow(path, lastMayBeLink: true))));

    public FileStatus? Stat(string path) => Read(() =>
    {
        var at = ResolveNoFollow(path, lastMayBeLink: true);
        var node = NodeAt(at);
        if (node is null) return null;
        var size = node switch
        {
            FileNode file => file.Content.LongLength,
            LinkNode link => System.Text.Encoding.UTF8.GetByteCount(link.Target),
            // What ZFS reports for a directory (measured on zfs-fuse): its entries plus "." and "..".
            DirNode dir => dir.Entries.Count + 2,
            _ => 0,
        };
        var links = node is DirNode d ? 2 + d.Entries.Values.Count(n => n is DirNode) : 1;
        return new FileStatus(KindOf(node), node.Meta.Mode, node.Meta.Uid, node.Meta.Gid, size, DeviceOf(at), node.Meta.Inode, links);
    });

    public string ReadLink(string path) => Read(() => NodeAt(ResolveNoFollow(path, lastMayBeLink: true)) switch
    {
        LinkNode link => link.Target,
        null => throw new FileNotFoundException($"No such file or directory: {path}", path),
        _ => throw new IOException($"Invalid argument: {path} is not a symbolic link", 22),
    });

    public IReadOnlyList<string> List(string directory) => Read<IReadOnlyList<string>>(() =>
        ListNode(NodeAt(ResolveNoFollow(directory, lastMayBeLink: false)), directory));

    public void CreateDirectory(string path, UnixFileMode? mode = null) =>
        Mutate(() => EnsureDirectory(ResolveNoFollow(path, lastMayBeLink: false), (int)(mode ?? (UnixFileMode)DirNode.DefaultMode)));

    public void CreateSymlink(string path, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        Mutate(() => AddLink(ResolveNoFollow(path, lastMayBeLink: true), path, target));
    }

    public byte[] ReadAllBytes(string path) => Read(() => ReadNode(NodeAt(ResolveNoFollow(path, lastMayBeLink: false)), path));

    public void WriteAllBytes(string path, byte[] content) =>
        Mutate(() => WriteNode(ResolveNoFollow(path, lastMayBeLink: false), path, content, append: false));

    public void AppendAllBytes(string path, byte[] content) =>
        Mutate(() => WriteNode(ResolveNoFollow(path, lastMayBeLink: false), path, content, append: true));

    public bool SameContent(string a, string b) => Read(() =>
        NodeAt(ResolveNoFollow(a, lastMayBeLink: false)) is FileNode first
        && NodeAt(ResolveNoFollow(b, lastMayBeLink: false)) is FileNode second
        && first.Content.AsSpan().SequenceEqual(second.Content));

    /// <summary>
    /// rename(2) with RENAME_NOREPLACE, checked in the kernel's order: both parents, then EXDEV
    /// when they are not on one mount (two binds of one dataset are two mounts, as in Linux), then
    /// EROFS, the source, the target (EEXIST, whatever it is), and busy mount points.
    /// </summary>
    public void Rename(string from, string to) => Mutate(() =>
    {
        var source = ResolveNoFollow(from, lastMayBeLink: true);
        var target = ResolveNoFollow(to, lastMayBeLink: true);
        if (source.Length == 0 || target.Length == 0) throw new IOException($"Device or resource busy: cannot rename '{from}' to '{to}'", 16);
        RequireParentDirectory(source, from);
        RequireParentDirectory(target, to);
        var sourceMount = Locate(source[..^1]);
        var targetMount = Locate(target[..^1]);
        if (!ReferenceEquals(sourceMount.Mount, targetMount.Mount))
            throw new IOException($"Invalid cross-device link: cannot rename '{from}' to '{to}'", 18);
        if (sourceMount.ReadOnly) throw new ReadOnlyFileSystemException(to);
        var node = NodeAt(source) ?? throw new FileNotFoundException($"Could not find '{from}'.", from);
        if (NodeAt(target) is not null) throw new IOException($"File exists: cannot rename '{from}' to '{to}'", 17);
        if (IsMountTargetAtOrBelow(source)) throw new IOException($"Device or resource busy: '{from}' is or holds a mount point.", 16);
        if (HostPath.StartsWith(target, source)) throw new IOException($"Invalid argument: cannot rename '{from}' into itself ('{to}').", 22);
        Modify(source, null);
        Modify(target, node);
    });

    public void Delete(string path) => Mutate(() =>
    {
        var at = ResolveNoFollow(path, lastMayBeLink: true);
        switch (NodeAt(at))
        {
            case null: throw new FileNotFoundException($"Could not find '{path}'.", path);
            case DirNode { Entries.Count: > 0 }: throw new IOException($"Directory not empty: {path}", 39);
        }
        if (IsMountTargetAtOrBelow(at)) throw new IOException($"Device or resource busy: {path}", 16);
        Modify(at, null);
    });

    /// <summary>
    /// Detaches the subtree in one step: links in it are removed as links, never followed, and a
    /// tree that holds a mount point is refused (busy) before anything goes, so no data on a
    /// mounted file system is ever reached. A link named as the tree is removed itself.
    /// </summary>
    public void DeleteTree(string path) => Mutate(() =>
    {
        var at = ResolveNoFollow(path, lastMayBeLink: true);
        if (NodeAt(at) is null) throw new FileNotFoundException($"Could not find '{path}'.", path);
        if (IsMountTargetAtOrBelow(at)) throw new IOException($"Device or resource busy: {path} is or holds a mount point", 16);
        Modify(at, null);
    });

    private static FileKind KindOf(Node? node) => node switch
    {
        DirNode => FileKind.Directory,
        FileNode => FileKind.File,
        LinkNode => FileKind.Symlink,
        FifoNode => FileKind.Other,
        _ => FileKind.Missing,
    };

    private static IReadOnlyList<string> ListNode(Node? node, string directory) => node switch
    {
        DirNode dir => [.. dir.Entries.Keys],
        null => throw new DirectoryNotFoundException($"No such directory: {directory}"),
        _ => throw new IOException($"Not a directory: {directory}", 20),
    };

    private static byte[] ReadNode(Node? node, string path) => node switch
    {
        // A copy: the stored array is shared by every snapshot that holds the file.
        FileNode file => file.Content.ToArray(),
        DirNode => throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory."),
        FifoNode => throw new IOException($"Not a regular file: {path}"),
        _ => throw new FileNotFoundException($"Could not find file '{path}'.", path),
    };

    /// <summary>Creates or rewrites a file at a canonical path; a rewritten file keeps its owner, mode and inode.</summary>
    private void WriteNode(string[] at, string path, byte[] content, bool append)
    {
        ArgumentNullException.ThrowIfNull(content);
        var existing = NodeAt(at);
        if (existing is DirNode) throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory.");
        if (existing is FifoNode) throw new IOException($"Not a regular file: {path}");
        RequireParentDirectory(at, path);
        var old = existing as FileNode;
        byte[] bytes = append && old is not null ? [.. old.Content, .. content] : [.. content];
        Modify(at, new FileNode(bytes, old?.Meta ?? NewMeta(FileNode.DefaultMode)));
    }

    private void AddLink(string[] at, string path, string target)
    {
        if (NodeAt(at) is not null) throw new IOException($"File exists: {path}", 17);
        RequireParentDirectory(at, path);
        Modify(at, new LinkNode(target, NewMeta(LinkNode.LinkMode)));
    }

    private void RequireParentDirectory(string[] path, string original)
    {
        if (path.Length == 0 || NodeAt(path[..^1]) is not DirNode)
            throw new DirectoryNotFoundException($"Could not find a part of the path '{original}'.");
    }
}
