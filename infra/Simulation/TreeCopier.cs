using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// Tree copies between host paths, as the real adapter makes them with rsync -aHSx --numeric-ids
/// (optionally --compare-dest), and rsync's check of one. The simulator has no times, hard links,
/// holes or ACLs, so what it keeps and checks is structure, bytes, kinds, modes, owners and link
/// targets; xattrs are carried along (not checked). Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class TreeCopier(PathResolver paths, TreeWriter tree, VolumeTrees trees)
{
    private readonly CopyCheck _check = new(tree);

    /// <summary>
    /// Builds the copy whole and attaches it in one step (so a refusal leaves no partial tree). The
    /// copy shares file contents (immutable) but its nodes are new, with new inode numbers, as a
    /// copy's files are new files. Mounts inside the source are crossed, as rsync without -x does.
    /// </summary>
    public void Copy(TreeCopy copy)
    {
        var (source, target, compare) = Resolve(copy);
        if (tree.NodeAt(target) is not null) throw new IOException($"File exists: the copy's target {copy.Target} must not exist", 17);
        tree.RequireParentDirectory(target, copy.Target);
        if (HostPath.StartsWith(target, source)) throw new IOException($"Invalid argument: cannot copy {copy.Source} into itself ({copy.Target})", 22);
        var root = (DirNode)tree.NodeAt(source)!;
        tree.Modify(target, CopyDirectory(source, root, compare, top: true, copy.WithoutOverlayMarks)!);
    }

    /// <summary>One line per difference between the source and the copy (and CompareWith), as "path: what".</summary>
    public IReadOnlyList<string> Verify(TreeCopy copy)
    {
        var (source, target, compare) = Resolve(copy);
        return _check.Differences(source, target, compare);
    }

    /// <summary>Source and CompareWith must be directories reached without links; the target's path too.</summary>
    private (string[] Source, string[] Target, string[]? Compare) Resolve(TreeCopy copy)
    {
        var source = paths.ResolveNoFollow(copy.Source, lastMayBeLink: false);
        tree.RequireDirectory(source, copy.Source);
        var target = paths.ResolveNoFollow(copy.Target, lastMayBeLink: true);
        string[]? compare = null;
        if (copy.CompareWith is not null)
        {
            compare = paths.ResolveNoFollow(copy.CompareWith, lastMayBeLink: false);
            tree.RequireDirectory(compare, copy.CompareWith);
        }
        return (source, target, compare);
    }

    /// <summary>
    /// The copy of the directory at <paramref name="path"/>; with <paramref name="compare"/>, what
    /// rsync --compare-dest --prune-empty-dirs leaves: only entries not already there identically,
    /// and every directory that holds a file somewhere below it in the source, even when all those
    /// files were left out (measured: -m prunes by the source's file list, before --compare-dest
    /// skips anything). A directory with no file below it is left out (except the top one, which
    /// rsync always makes).
    /// </summary>
    private DirNode? CopyDirectory(string[] path, DirNode dir, string[]? compare, bool top, bool withoutOverlayMarks)
    {
        var entries = dir.Entries.Clear();
        foreach (var name in dir.Entries.Keys)
        {
            string[] childPath = [.. path, name];
            var child = tree.NodeAt(childPath)!; // through a mount, as rsync without -x crosses it
            string[]? comparePath = compare is null ? null : [.. compare, name];
            var copied = child is DirNode sub
                ? CopyDirectory(childPath, sub, comparePath, top: false, withoutOverlayMarks)
                : comparePath is not null && CopyCheck.IdenticalForCompareDest(child, tree.NodeAt(comparePath))
                    ? null
                    : child.WithMeta(Copied(child.Meta, withoutOverlayMarks));
            if (copied is not null) entries = entries.Add(name, copied);
        }
        if (compare is not null && !top && !_check.HoldsFile(path)) return null;
        return new DirNode(entries, Copied(dir.Meta, withoutOverlayMarks));
    }

    /// <summary>A copy's metadata: a new inode; xattrs kept (rsync -X), overlayfs' own left out when asked.</summary>
    private NodeMeta Copied(NodeMeta meta, bool withoutOverlayMarks)
    {
        var xattrs = meta.Xattrs;
        if (withoutOverlayMarks && xattrs is not null)
        {
            xattrs = xattrs.RemoveRange(xattrs.Keys.Where(k => TreeCopy.OverlayXattrPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))));
            if (xattrs.IsEmpty) xattrs = null;
        }
        return meta with { Inode = trees.NewInode(), Xattrs = xattrs };
    }
}
