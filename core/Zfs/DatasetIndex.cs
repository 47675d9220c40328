using System.Collections.Immutable;

namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// A listing's datasets as persistent (immutable, shared) indexes: by name in ordinal order, so that a
/// tree is two ranges (<c>a/…</c> and <c>a@…</c>); the clones of each origin; each snapshot's name by guid.
/// A splice changes a few entries and shares the rest with the listing it came from (issue 13: at 1000
/// BEs a splice or a check costs what the scope holds, not the 11,500 datasets of the pool, and makes
/// no large array for the collector to copy).
/// </summary>
internal sealed class DatasetIndex
{
    private static readonly IComparer<ZfsDataset> ByNameOrder =
        Comparer<ZfsDataset>.Create((a, b) => string.CompareOrdinal(Key.NameOf(a), Key.NameOf(b)));
    private static readonly IComparer<ZfsDataset> ByGuidOrder =
        Comparer<ZfsDataset>.Create((a, b) => string.CompareOrdinal(Key.GuidOf(a), Key.GuidOf(b)));

    private DatasetIndex(ImmutableList<ZfsDataset> byName, ImmutableDictionary<string, ImmutableArray<ZfsDataset>> clones,
        ImmutableSortedSet<ZfsDataset> snapshotsByGuid)
    {
        ByName = byName;
        Clones = clones;
        SnapshotsByGuid = snapshotsByGuid;
    }

    /// <summary>Every dataset once (the first of a name), in ordinal name order: a list kept sorted, not a sorted set, so
    /// that a record is replaced where it is (a promote at 1000 BEs gives 999 clones a new origin).</summary>
    public ImmutableList<ZfsDataset> ByName { get; }

    /// <summary>The datasets whose origin is the key (a few each: an array is cheaper to walk than a tree), the same records as <see cref="ByName"/>'s.</summary>
    public ImmutableDictionary<string, ImmutableArray<ZfsDataset>> Clones { get; }

    /// <summary>The snapshots that have a guid, in guid order (a sorted set is made in one go from a read; a
    /// dictionary of 11,000 entries took longer than the rest of the index).</summary>
    public ImmutableSortedSet<ZfsDataset> SnapshotsByGuid { get; }

    /// <summary>The index of a whole read: each index made in one go from a sorted list (a tree built one insertion
    /// at a time cost about 20 ms at 11,500 datasets).</summary>
    public static DatasetIndex Of(IReadOnlyList<ZfsDataset> datasets)
    {
        var seen = new HashSet<string>(datasets.Count, StringComparer.Ordinal);
        var unique = new List<ZfsDataset>(datasets.Count);
        var clones = new Dictionary<string, List<ZfsDataset>>(StringComparer.Ordinal);
        var guids = new List<ZfsDataset>();
        foreach (var d in datasets)
        {
            if (!seen.Add(d.Name)) continue; // the first of a name stays
            unique.Add(d);
            if (d.Origin is { } origin)
            {
                if (!clones.TryGetValue(origin, out var list)) clones.Add(origin, list = []);
                list.Add(d);
            }
            if (d is { IsSnapshot: true, Guid: not null }) guids.Add(d);
        }
        unique.Sort(ByNameOrder);
        return new(ImmutableList.CreateRange(unique),
            clones.ToImmutableDictionary(c => c.Key, c => c.Value.ToImmutableArray(), StringComparer.Ordinal),
            ImmutableSortedSet.CreateRange(ByGuidOrder, guids));
    }

    public ZfsDataset? Find(string name) => ByName.BinarySearch(Key.Name(name), ByNameOrder) is >= 0 and var at ? ByName[at] : null;

    /// <summary>The snapshot of that guid, wherever it is.</summary>
    public ZfsDataset? SnapshotOfGuid(string guid) => SnapshotsByGuid.TryGetValue(Key.Guid(guid), out var found) ? found : null;

    public int CloneCount(string origin) => Clones.TryGetValue(origin, out var clones) ? clones.Length : 0;

    public ImmutableArray<ZfsDataset> ClonesOf(string origin) => Clones.TryGetValue(origin, out var clones) ? clones : [];

    /// <summary>The datasets whose names begin with <paramref name="prefix"/>, in name order.</summary>
    public IEnumerable<ZfsDataset> StartingWith(string prefix)
    {
        var at = ByName.BinarySearch(Key.Name(prefix), ByNameOrder);
        for (var i = at < 0 ? ~at : at; i < ByName.Count && ByName[i].Name.StartsWith(prefix, StringComparison.Ordinal); i++)
            yield return ByName[i];
    }

    /// <summary>The datasets whose names do not begin with <paramref name="prefix"/>, in name order.</summary>
    public IEnumerable<ZfsDataset> NotStartingWith(string prefix)
    {
        var at = ByName.BinarySearch(Key.Name(prefix), ByNameOrder);
        var start = at < 0 ? ~at : at;
        for (var i = 0; i < start; i++) yield return ByName[i];
        // The first name past them: the prefix with its last character the next one (ordinal order).
        var past = ByName.BinarySearch(Key.Name(prefix[..^1] + (char)(prefix[^1] + 1)), ByNameOrder);
        var end = past < 0 ? ~past : past;
        for (var i = end; i < ByName.Count; i++) yield return ByName[i];
    }

    /// <summary>What <paramref name="scope"/> covers (<see cref="ReadScope.Covers(string)"/>) of these datasets, each once.</summary>
    public Dictionary<string, ZfsDataset> Covered(ReadScope scope)
    {
        var covered = new Dictionary<string, ZfsDataset>(StringComparer.Ordinal);
        void Below(string root, bool snapshots)
        {
            if (Find(root) is { } self) covered.TryAdd(self.Name, self);
            foreach (var d in StartingWith(root + "/"))
                if (snapshots || !d.IsSnapshot) covered.TryAdd(d.Name, d);
            if (snapshots)
                foreach (var d in StartingWith(root + "@")) covered.TryAdd(d.Name, d);
        }
        foreach (var tree in scope.Trees) Below(tree, snapshots: true);
        foreach (var root in scope.FileSystems) Below(root, snapshots: false);
        foreach (var single in scope.Singles)
            if (Find(single) is { } d) covered.TryAdd(d.Name, d);
        return covered;
    }

    public Builder ToBuilder() => new(this);

    /// <summary>
    /// What a search of an index looks for: one record that stands for a name or a guid set just before the search, on
    /// the searching thread (the searches are synchronous). A record made for each search was most of what an activation
    /// at 1000 BEs allocated (thousands of lookups, 230 bytes each).
    /// </summary>
    private static class Key
    {
        private static readonly ZfsDataset Sought = new() { Name = "", Kind = DatasetKind.Filesystem };
        [ThreadStatic] private static string? s_name;
        [ThreadStatic] private static string? s_guid;

        public static ZfsDataset Name(string name)
        {
            s_name = name;
            return Sought;
        }

        public static ZfsDataset Guid(string guid)
        {
            s_guid = guid;
            return Sought;
        }

        public static string NameOf(ZfsDataset d) => ReferenceEquals(d, Sought) ? s_name! : d.Name;

        public static string? GuidOf(ZfsDataset d) => ReferenceEquals(d, Sought) ? s_guid : d.Guid;
    }

    /// <summary>Changes made in place on builders of the three indexes, each change at the cost of a few tree nodes.</summary>
    public sealed class Builder(DatasetIndex from)
    {
        private readonly ImmutableList<ZfsDataset>.Builder _byName = from.ByName.ToBuilder();
        private readonly ImmutableDictionary<string, ImmutableArray<ZfsDataset>>.Builder _clones = from.Clones.ToBuilder();
        private readonly ImmutableSortedSet<ZfsDataset>.Builder _guids = from.SnapshotsByGuid.ToBuilder();

        /// <summary>Adds <paramref name="d"/> unless a dataset of its name is there already (the first of a name stays).</summary>
        public bool Add(ZfsDataset d)
        {
            var at = _byName.BinarySearch(d, ByNameOrder);
            if (at >= 0) return false;
            _byName.Insert(~at, d);
            if (d.Origin is { } origin) _clones[origin] = _clones.TryGetValue(origin, out var clones) ? clones.Add(d) : [d];
            if (d is { IsSnapshot: true, Guid: not null })
            {
                _guids.Remove(d); // the one of that guid (none is there twice in a pool)
                _guids.Add(d);
            }
            return true;
        }

        public ZfsDataset? Find(string name) => _byName.BinarySearch(Key.Name(name), ByNameOrder) is >= 0 and var at ? _byName[at] : null;

        /// <summary>Takes out the dataset of <paramref name="name"/>, if there is one; returns it.</summary>
        public ZfsDataset? Remove(string name)
        {
            var at = _byName.BinarySearch(Key.Name(name), ByNameOrder);
            if (at < 0) return null;
            var d = _byName[at];
            _byName.RemoveAt(at);
            if (d.Origin is { } origin && _clones.TryGetValue(origin, out var clones))
            {
                clones = clones.Remove(d, ReferenceEqualityComparer.Instance);
                if (clones.IsEmpty) _clones.Remove(origin);
                else _clones[origin] = clones;
            }
            if (d is { IsSnapshot: true, Guid: not null } && _guids.TryGetValue(d, out var same) && ReferenceEquals(same, d)) _guids.Remove(d);
            return d;
        }

        /// <summary>
        /// Hangs the clones of <paramref name="from"/> off <paramref name="to"/> (a promote or a rename moved the snapshot):
        /// each is known with its new origin, in one change of the clone index, not one a clone. Returns the records
        /// taken out.
        /// </summary>
        public ImmutableArray<ZfsDataset> Reorigin(string from, string to)
        {
            if (!_clones.TryGetValue(from, out var clones)) return [];
            _clones.Remove(from);
            var moved = ImmutableArray.CreateBuilder<ZfsDataset>(clones.Length);
            foreach (var clone in clones)
            {
                var now = clone with { Origin = to };
                _byName[_byName.BinarySearch(clone, ByNameOrder)] = now;
                moved.Add(now);
            }
            _clones[to] = _clones.TryGetValue(to, out var already) ? already.AddRange(moved) : moved.MoveToImmutable();
            return clones;
        }

        public DatasetIndex ToIndex() => new(_byName.ToImmutable(), _clones.ToImmutable(), _guids.ToImmutable());
    }
}
