namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// The datasets one operation touches (issue 13: an operation costs what it touches, not the pool):
/// <see cref="Trees"/> are read with everything below them (children, snapshots), <see cref="FileSystems"/>
/// with the file systems below them but none of their snapshots (a BE's snapshots the operation does not
/// look at: the booted BE may hold a thousand, one made for every BE cloned from it), and
/// <see cref="Singles"/> alone. A name that does not exist is read as absent (a new BE's name), never as
/// an error.
/// </summary>
public sealed class ReadScope
{
    public static readonly ReadScope Empty = new([], []);

    public IReadOnlySet<string> Trees { get; }
    public IReadOnlySet<string> FileSystems { get; }
    public IReadOnlySet<string> Singles { get; }

    public ReadScope(IEnumerable<string> trees, IEnumerable<string> singles, IEnumerable<string>? fileSystems = null)
    {
        var treeSet = new HashSet<string>(trees, StringComparer.Ordinal);
        // A tree below another is read with it; file systems and singles inside a tree too.
        Trees = treeSet.Where(t => !treeSet.Any(o => o != t && IsBelow(t, o))).ToHashSet(StringComparer.Ordinal);
        var fsSet = new HashSet<string>(fileSystems ?? [], StringComparer.Ordinal);
        FileSystems = fsSet.Where(f => !InTree(f) && !fsSet.Any(o => o != f && IsBelow(f, o))).ToHashSet(StringComparer.Ordinal);
        Singles = singles.Where(s => !Covers(s, singles: false)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Whether a read of this scope says all there is to know of <paramref name="name"/> (a file system or a snapshot).
    /// <see cref="DatasetIndex.Covered"/> is the same rule as name ranges of a listing: a change here is a change there
    /// (<c>ListingSpliceRandomTests</c> holds the two to each other).
    /// </summary>
    public bool Covers(string name) => Covers(name, singles: true);

    private bool Covers(string name, bool singles) =>
        (singles && Singles.Contains(name)) || InTree(name) || (!name.Contains('@') && InFileSystems(name));

    /// <summary>These scopes read together.</summary>
    public static ReadScope Union(params IEnumerable<ReadScope> parts) =>
        new(parts.SelectMany(p => p.Trees), parts.SelectMany(p => p.Singles), parts.SelectMany(p => p.FileSystems));

    private bool InTree(string name) => Trees.Any(t => name == t || IsBelow(name, t));

    private bool InFileSystems(string name) => FileSystems.Any(f => name == f || IsBelow(name, f));

    private static bool IsBelow(string name, string root) =>
        name.Length > root.Length && name.StartsWith(root, StringComparison.Ordinal) && name[root.Length] is '/' or '@';

    public override string ToString() =>
        $"trees [{List(Trees)}], file systems [{List(FileSystems)}], singles [{List(Singles)}]";

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Order(StringComparer.Ordinal));
}
