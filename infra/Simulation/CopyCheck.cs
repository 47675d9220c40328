namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// rsync's view of a copy: which entries --compare-dest skips, which directories -m prunes, and
/// the differences a check of a finished copy reports. Not thread-safe on its own.
/// </summary>
internal sealed class CopyCheck(TreeWriter tree)
{
    private const int SetIdBits = 0xC00; // 06000: setuid and setgid

    /// <summary>Whether anything but directories is below the directory at <paramref name="path"/> (what -m keeps).</summary>
    public bool HoldsFile(string[] path) =>
        tree.NodeAt(path) is DirNode dir && dir.Entries.Keys.Any(name => tree.NodeAt([.. path, name]) is not DirNode || HoldsFile([.. path, name]));

    /// <summary>
    /// What rsync --compare-dest skips (measured with rsync 3.x on zfs-fuse): the same kind with the
    /// same bytes or link target and the same mode and owners. rsync also wants the same mtime; the
    /// simulator keeps no times, so on a real host a file touched without a change is copied too.
    /// </summary>
    public static bool IdenticalForCompareDest(Node node, Node? there) => (node, there) switch
    {
        (FileNode a, FileNode b) => SameMeta(a, b) && a.Content.AsSpan().SequenceEqual(b.Content),
        (LinkNode a, LinkNode b) => SameMeta(a, b) && a.Target == b.Target,
        (SpecialNode a, SpecialNode b) => SameMeta(a, b) && a.Special == b.Special,
        _ => false,
    };

    private static bool SameMeta(Node a, Node b) =>
        a.Meta.Mode == b.Meta.Mode && a.Meta.Uid == b.Meta.Uid && a.Meta.Gid == b.Meta.Gid;

    /// <summary>What a check of a finished copy finds: one line per difference, as "path: what".</summary>
    public List<string> Differences(string[] source, string[] target, string[]? compare)
    {
        var differences = new List<string>();
        Compare(".", source, target, compare, differences);
        return differences;
    }

    /// <summary>
    /// Compares the source entry at <paramref name="rel"/> with the target's (and, when the target
    /// lacks it, with CompareWith's), adding one line per difference.
    /// </summary>
    private void Compare(string rel, string[] source, string[] target, string[]? compare, List<string> differences)
    {
        var s = tree.NodeAt(source)!;
        var t = tree.NodeAt(target);
        var c = compare is null ? null : tree.NodeAt(compare);
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
        var (sourceKind, targetKind) = (NodeReads.KindOf(s), NodeReads.KindOf(t));
        if (sourceKind != targetKind)
        {
            differences.Add($"{rel}: a {targetKind} in the copy, a {sourceKind} in the source");
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
                    Compare(Join(rel, name), [.. source, name], [.. target, name], compare is null ? null : [.. compare, name], differences);
                foreach (var name in b.Entries.Keys.Where(n => !a.Entries.ContainsKey(n)))
                    differences.Add($"{Join(rel, name)}: only in the copy");
                break;
        }
    }

    private static string Join(string rel, string name) => rel == "." ? name : $"{rel}/{name}";

    private static string Octal(int mode) => "0" + Convert.ToString(mode, 8);
}
