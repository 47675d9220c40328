using SnapUpgrade.Core.Host;
using RsyncCommand = SnapUpgrade.Infra.Host.RsyncCommand;

namespace SnapUpgrade.Infra.Simulation;

// Tree copies between host paths, as the real adapter does them with rsync -aHSx --numeric-ids
// (optionally --compare-dest): the simulator has no times, hard links, holes, xattrs or ACLs, so
// what it keeps and checks is structure, bytes, kinds, modes, owners and link targets.
public sealed partial class SimulatedZfs
{
    private const int SetIdBits = 0xC00; // 06000: setuid and setgid

    public IReadOnlyList<string> DescribeCopy(TreeCopy copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        return RsyncCommand.Copy(copy.Source, copy.Target, copy.CompareWith, acls: false, xattrs: false);
    }

    /// <summary>
    /// Builds the copy whole and attaches it in one step (so a refusal leaves no partial tree). The
    /// copy shares file contents (immutable) but its nodes are new, with new inode numbers, as a
    /// copy's files are new files. Mounts inside the source are crossed, as rsync without -x does.
    /// </summary>
    public Task CopyTreeAsync(TreeCopy copy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(copy);
        ct.ThrowIfCancellationRequested();
        Mutate(() =>
        {
            var (source, target, compare) = ResolveCopy(copy);
            if (NodeAt(target) is not null) throw new IOException($"File exists: the copy's target {copy.Target} must not exist", 17);
            RequireParentDirectory(target, copy.Target);
            if (HostPath.StartsWith(target, source)) throw new IOException($"Invalid argument: cannot copy {copy.Source} into itself ({copy.Target})", 22);
            var root = (DirNode)NodeAt(source)!;
            var copied = CopyDirectory(source, root, compare, top: true)!;
            Modify(target, copied);
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> VerifyCopyAsync(TreeCopy copy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(copy);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read<IReadOnlyList<string>>(() =>
        {
            var (source, target, compare) = ResolveCopy(copy);
            var differences = new List<string>();
            Verify(".", source, target, compare, differences);
            return differences;
        }));
    }

    /// <summary>Source and CompareWith must be directories reached without links; the target's path too.</summary>
    private (string[] Source, string[] Target, string[]? Compare) ResolveCopy(TreeCopy copy)
    {
        var source = ResolveNoFollow(copy.Source, lastMayBeLink: false);
        RequireDirectory(source, copy.Source);
        var target = ResolveNoFollow(copy.Target, lastMayBeLink: true);
        string[]? compare = null;
        if (copy.CompareWith is not null)
        {
            compare = ResolveNoFollow(copy.CompareWith, lastMayBeLink: false);
            RequireDirectory(compare, copy.CompareWith);
        }
        return (source, target, compare);
    }

    private void RequireDirectory(string[] path, string original)
    {
        switch (NodeAt(path))
        {
            case DirNode: return;
            case null: throw new DirectoryNotFoundException($"Could not find a part of the path '{original}'.");
            default: throw new IOException($"Not a directory: {original}", 20);
        }
    }

    /// <summary>
    /// The copy of the directory at <paramref name="path"/>; with <paramref name="compare"/>, what
    /// rsync --compare-dest --prune-empty-dirs leaves: only entries not already there identically,
    /// and every directory that holds a file somewhere below it in the source, even when all those
    /// files were left out (measured: -m prunes by the source's file list, before --compare-dest
    /// skips anything). A directory with no file below it is left out (except the top one, which
    /// rsync always makes).
    /// </summary>
    private DirNode? CopyDirectory(string[] path, DirNode dir, string[]? compare, bool top)
    {
        var entries = dir.Entries.Clear();
        foreach (var name in dir.Entries.Keys)
        {
            string[] childPath = [.. path, name];
            var child = NodeAt(childPath)!; // through a mount, as rsync without -x crosses it
            string[]? comparePath = compare is null ? null : [.. compare, name];
            var copied = child is DirNode sub
                ? CopyDirectory(childPath, sub, comparePath, top: false)
                : comparePath is not null && IdenticalForCompareDest(child, NodeAt(comparePath)) ? null : child.WithMeta(child.Meta with { Inode = _nextInode++ });
            if (copied is not null) entries = entries.Add(name, copied);
        }
        if (compare is not null && !top && !HoldsFile(path)) return null;
        return new DirNode(entries, dir.Meta with { Inode = _nextInode++ });
    }

    /// <summary>Whether anything but directories is below the directory at <paramref name="path"/> (what -m keeps).</summary>
    private bool HoldsFile(string[] path) =>
        NodeAt(path) is DirNode dir && dir.Entries.Keys.Any(name => NodeAt([.. path, name]) is not DirNode || HoldsFile([.. path, name]));

    /// <summary>
    /// What rsync --compare-dest skips (measured with rsync 3.x on zfs-fuse): the same kind with the
    /// same bytes or link target and the same mode and owners. rsync also wants the same mtime; the
    /// simulator keeps no times, so on a real host a file touched without a change is copied too.
    /// </summary>
    private static bool IdenticalForCompareDest(Node node, Node? there) => (node, there) switch
    {
        (FileNode a, FileNode b) => SameMeta(a, b) && a.Content.AsSpan().SequenceEqual(b.Content),
        (LinkNode a, LinkNode b) => SameMeta(a, b) && a.Target == b.Target,
        (FifoNode a, FifoNode b) => SameMeta(a, b),
        _ => false,
    };

    private static bool SameMeta(Node a, Node b) =>
        a.Meta.Mode == b.Meta.Mode && a.Meta.Uid == b.Meta.Uid && a.Meta.Gid == b.Meta.Gid;

    /// <summary>
    /// Compares the source entry at <paramref name="rel"/> with the target's (and, when the target
    /// lacks it, with CompareWith's), adding one line per difference, as "path: what".
    /// </summary>
    private void Verify(string rel, string[] source, string[] target, string[]? compare, List<string> differences)
    {
        var s = NodeAt(source)!;
        var t = NodeAt(target);
        var c = compare is null ? null : NodeAt(compare);
        var isTop = rel == ".";
        if (t is null && !isTop)
        {
            // -m prunes a directory with no file below it, in the copy and in rsync's check alike.
            if (s is DirNode && compare is not null && !HoldsFile(source)) return;
            if (c is null || s is DirNode || !IdenticalForCompareDest(s, c)) differences.Add($"{rel}: missing in the copy");
            return;
        }
        if (t is null)
        {
            differences.Add($"{rel}: missing in the copy");
            return;
        }
        if (KindOf(s) != KindOf(t))
        {
            differences.Add($"{rel}: a {KindOf(t)} in the copy, a {KindOf(s)} in the source");
            return;
        }
        if (s.Meta.Mode != t.Meta.Mode) differences.Add($"{rel}: mode {Octal(t.Meta.Mode)} in the copy, {Octal(s.Meta.Mode)} in the source");
        if (s.Meta.Uid != t.Meta.Uid || s.Meta.Gid != t.Meta.Gid)
            differences.Add($"{rel}: owner {t.Meta.Uid}:{t.Meta.Gid} in the copy, {s.Meta.Uid}:{s.Meta.Gid} in the source");
        if ((t.Meta.Mode & SetIdBits) != 0 && t.Meta.Uid == 0 && s.Meta.Uid != 0)
            differences.Add($"{rel}: setuid/setgid file made root's in the copy (uid {s.Meta.Uid} in the source)");
        switch (s, t)
        {
            case (FileNode a, FileNode b) when !a.Content.AsSpan().SequenceEqual(b.Content):
                differences.Add($"{rel}: content differs");
                break;
            case (LinkNode a, LinkNode b) when a.Target != b.Target:
                differences.Add($"{rel}: link to '{b.Target}' in the copy, to '{a.Target}' in the source");
                break;
            case (DirNode a, DirNode b):
                foreach (var name in a.Entries.Keys)
                    Verify(Join(rel, name), [.. source, name], [.. target, name], compare is null ? null : [.. compare, name], differences);
                foreach (var name in b.Entries.Keys.Where(n => !a.Entries.ContainsKey(n)))
                    differences.Add($"{Join(rel, name)}: only in the copy");
                break;
        }
    }

    private static string Join(string rel, string name) => rel == "." ? name : $"{rel}/{name}";

    private static string Octal(int mode) => "0" + Convert.ToString(mode, 8);
}
