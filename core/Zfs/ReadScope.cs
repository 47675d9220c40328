namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// The datasets one operation touches (issue 13: an operation costs what it touches, not the pool):
/// <see cref="Trees"/> are read with everything below them (children, snapshots), <see cref="Singles"/>
/// alone. A name that does not exist is read as absent (a new BE's name), never as an error.
/// </summary>
public sealed class ReadScope
{
    public static readonly ReadScope Empty = new([], []);

    public IReadOnlySet<string> Trees { get; }
    public IReadOnlySet<string> Singles { get; }

    public ReadScope(IEnumerable<string> trees, IEnumerable<string> singles)
    {
        var treeSet = new HashSet<string>(trees, StringComparer.Ordinal);
        // A tree below another is read with it; a single inside a tree too.
        Trees = treeSet.Where(t => !treeSet.Any(o => o != t && IsBelow(t, o))).ToHashSet(StringComparer.Ordinal);
        Singles = singles.Where(s => !InTree(s)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Whether a read of this scope says all there is to know of <paramref name="name"/> (a file system or a snapshot).</summary>
    public bool Covers(string name) => Singles.Contains(name) || InTree(name);

    /// <summary>These scopes read together.</summary>
    public static ReadScope Union(params IEnumerable<ReadScope> parts) =>
        new(parts.SelectMany(p => p.Trees), parts.SelectMany(p => p.Singles));

    private bool InTree(string name) => Trees.Any(t => name == t || IsBelow(name, t));

    private static bool IsBelow(string name, string root) =>
        name.Length > root.Length && name.StartsWith(root, StringComparison.Ordinal) && name[root.Length] is '/' or '@';

    public override string ToString() =>
        $"trees [{string.Join(", ", Trees.Order(StringComparer.Ordinal))}], singles [{string.Join(", ", Singles.Order(StringComparer.Ordinal))}]";
}
