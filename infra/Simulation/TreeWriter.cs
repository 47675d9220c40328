using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The host's one file tree as the mounts compose it, changed at canonical paths (resolved by the
/// caller under whichever link rule applies), with the errors Linux gives: a read-only mount
/// refuses, a mount point cannot be replaced, removed or renamed, a rename does not cross mounts.
/// Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class TreeWriter(PathResolver paths, VolumeTrees trees, MountTable mounts)
{
    public Node? NodeAt(string[] path) => paths.NodeAt(path);

    /// <summary>Puts (or with null removes) a node at a canonical path; refuses on a read-only mount and at a mount point.</summary>
    public void Modify(string[] path, Node? node)
    {
        var at = paths.Locate(path);
        if (at.ReadOnly) throw new ReadOnlyFileSystemException(HostPath.Join(path));
        if (at.Mount is { Lower: not null } overlay)
        {
            if (path.Length == overlay.TargetSegments.Length) throw new IOException($"Device or resource busy: {HostPath.Join(path)} is a mount point", 16);
            OverlayView.Write(trees, overlay, path[overlay.TargetSegments.Length..], node);
            return;
        }
        if (at.Inner.Length == 0) throw new IOException($"Device or resource busy: {HostPath.Join(path)} is a mount point", 16);
        trees.Set(at.Dataset, at.Inner, node);
    }

    /// <summary>Replaces a node by itself with other metadata; at a mount point, the mounted volume's root.</summary>
    public void ChangeMeta(string[] path, Node changed)
    {
        var at = paths.Locate(path);
        if (at.Mount is { Lower: not null } overlay)
        {
            if (at.ReadOnly) throw new ReadOnlyFileSystemException(HostPath.Join(path));
            OverlayView.ChangeMeta(trees, overlay, path[overlay.TargetSegments.Length..], changed);
            return;
        }
        if (at.Inner.Length > 0)
        {
            Modify(path, changed);
            return;
        }
        if (at.ReadOnly) throw new ReadOnlyFileSystemException(HostPath.Join(path));
        trees.SetRoot(at.Dataset, (DirNode)changed);
    }

    /// <summary>mkdir -p on a canonical path; what it makes gets <paramref name="mode"/> (no umask) and root's owner.</summary>
    public void EnsureDirectory(string[] path, int mode = DirNode.DefaultMode)
    {
        for (var i = 1; i <= path.Length; i++)
        {
            var prefix = path[..i];
            switch (NodeAt(prefix))
            {
                case DirNode: continue;
                case null: Modify(prefix, DirNode.New(trees.NewMeta(mode))); break;
                case LinkNode: throw new UnsafePathException(HostPath.Join(path), $"{HostPath.Join(prefix)} is a symbolic link");
                default: throw new IOException($"Not a directory: {HostPath.Join(prefix)}", 20);
            }
        }
    }

    /// <summary>Creates or rewrites a file; a rewritten file keeps its owner, mode and inode.</summary>
    public void WriteFile(string[] at, string path, byte[] content, bool append)
    {
        ArgumentNullException.ThrowIfNull(content);
        var existing = NodeAt(at);
        if (existing is DirNode) throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory.");
        if (existing is SpecialNode) throw new IOException($"Not a regular file: {path}");
        RequireParentDirectory(at, path);
        var old = existing as FileNode;
        byte[] bytes = append && old is not null ? [.. old.Content, .. content] : [.. content];
        Modify(at, new FileNode(bytes, old?.Meta ?? trees.NewMeta(FileNode.DefaultMode)));
    }

    /// <summary>Adds a new node (a link, a FIFO) where nothing is yet.</summary>
    public void AddNew(string[] at, string path, Func<NodeMeta, Node> make, int mode)
    {
        if (NodeAt(at) is not null) throw new IOException($"File exists: {path}", 17);
        RequireParentDirectory(at, path);
        Modify(at, make(trees.NewMeta(mode)));
    }

    /// <summary>
    /// rename(2) with RENAME_NOREPLACE, checked in the kernel's order: both parents, then EXDEV
    /// when they are not on one mount (two binds of one dataset are two mounts, as in Linux), then
    /// EROFS, the source, the target (EEXIST, whatever it is), and busy mount points.
    /// </summary>
    public void Rename(string[] source, string[] target, string from, string to, bool replace = false)
    {
        if (source.Length == 0 || target.Length == 0) throw new IOException($"Device or resource busy: cannot rename '{from}' to '{to}'", 16);
        RequireParentDirectory(source, from);
        RequireParentDirectory(target, to);
        var sourceMount = paths.Locate(source[..^1]);
        var targetMount = paths.Locate(target[..^1]);
        if (!ReferenceEquals(sourceMount.Mount, targetMount.Mount))
            throw new IOException($"Invalid cross-device link: cannot rename '{from}' to '{to}'", 18);
        if (sourceMount.ReadOnly) throw new ReadOnlyFileSystemException(to);
        var node = NodeAt(source) ?? throw new FileNotFoundException($"Could not find '{from}'.", from);
        // overlayfs without redirects: a directory the lower layer shows cannot move (mv copies instead).
        if (node is DirNode && sourceMount.Mount is { Lower: not null } overlay &&
            OverlayView.LowerShows(trees, overlay, source.AsSpan(overlay.TargetSegments.Length)))
            throw new IOException($"Invalid cross-device link: cannot rename '{from}' to '{to}'", 18);
        if (replace && (node is DirNode || NodeAt(target) is DirNode))
            throw new IOException($"Is a directory: will not replace with '{from}' at '{to}'", 21);
        if (!replace && NodeAt(target) is not null) throw new IOException($"File exists: cannot rename '{from}' to '{to}'", 17);
        if (mounts.AnyAtOrBelow(source)) throw new IOException($"Device or resource busy: '{from}' is or holds a mount point.", 16);
        if (HostPath.StartsWith(target, source)) throw new IOException($"Invalid argument: cannot rename '{from}' into itself ('{to}').", 22);
        Modify(source, null);
        Modify(target, node);
    }

    /// <summary>renameat2 RENAME_EXCHANGE of two non-directories on one mount.</summary>
    public void Exchange(string[] a, string[] b, string pathA, string pathB)
    {
        var first = NodeAt(a) ?? throw new FileNotFoundException($"Could not find '{pathA}'.", pathA);
        var second = NodeAt(b) ?? throw new FileNotFoundException($"Could not find '{pathB}'.", pathB);
        if (first is DirNode || second is DirNode) throw new IOException($"Is a directory: will not exchange '{pathA}' and '{pathB}'", 21);
        if (!ReferenceEquals(paths.Locate(a[..^1]).Mount, paths.Locate(b[..^1]).Mount))
            throw new IOException($"Invalid cross-device link: cannot exchange '{pathA}' and '{pathB}'", 18);
        Modify(a, second);
        Modify(b, first);
    }

    /// <summary>setxattr/removexattr (null) of the node itself, a link's own included.</summary>
    public void SetXattr(string[] at, string path, string name, byte[]? value)
    {
        var node = NodeAt(at) ?? throw new FileNotFoundException($"No such file or directory: {path}", path);
        var xattrs = node.Meta.Xattrs ?? System.Collections.Immutable.ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal);
        xattrs = value is null ? xattrs.Remove(name) : xattrs.SetItem(name, [.. value]);
        ChangeMeta(at, node.WithMeta(node.Meta with { Xattrs = xattrs.IsEmpty ? null : xattrs }));
    }

    /// <summary>
    /// Removes what is at <paramref name="at"/> in one step (a directory only when empty unless
    /// <paramref name="tree"/>): links are removed as links, and a mount point at or below it is
    /// refused (busy) before anything goes, so no data on a mounted file system is ever reached.
    /// </summary>
    public void Delete(string[] at, string path, bool tree)
    {
        switch (NodeAt(at))
        {
            case null: throw new FileNotFoundException($"Could not find '{path}'.", path);
            case DirNode { Entries.Count: > 0 } when !tree: throw new IOException($"Directory not empty: {path}", 39);
        }
        if (mounts.AnyAtOrBelow(at))
            throw new IOException(tree ? $"Device or resource busy: {path} is or holds a mount point" : $"Device or resource busy: {path}", 16);
        Modify(at, null);
    }

    public void RequireParentDirectory(string[] path, string original)
    {
        if (path.Length == 0 || NodeAt(path[..^1]) is not DirNode)
            throw new DirectoryNotFoundException($"Could not find a part of the path '{original}'.");
    }

    public void RequireDirectory(string[] path, string original)
    {
        switch (NodeAt(path))
        {
            case DirNode: return;
            case null: throw new DirectoryNotFoundException($"Could not find a part of the path '{original}'.");
            default: throw new IOException($"Not a directory: {original}", 20);
        }
    }
}
