namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// Keeps one listing of the pool up to date from scoped reads (<see cref="IZfs.ReadAsync"/>), and says
/// when a scoped read shows that the rest of it cannot be trusted any more. Pure: no IO.
/// </summary>
public static class ListingSplice
{
    private static readonly Dictionary<string, string> NoMoves = [];

    /// <summary>
    /// Why <paramref name="latest"/> cannot stand for the pool now, judged by a fresh read of
    /// <paramref name="scope"/>; null when it can. Within the scope every dataset must be as it was
    /// (space figures aside), none new and none gone. Beyond it, every snapshot read must have as many
    /// clones (zfs's own count) as the latest listing knows of: a clone made or destroyed by hand
    /// anywhere in the pool changes that count. Anything else that changed behind the console's back
    /// and that the operation looks at is inside its scope.
    /// </summary>
    public static string? Disagreement(PoolListing latest, PoolListing fresh, ReadScope scope)
    {
        var index = latest.Index;
        var before = index.Covered(scope);
        foreach (var now in fresh.Datasets)
        {
            if (!before.Remove(now.Name, out var then)) return $"{now.Name} is new";
            if (!then.SameAs(now, Unwatched)) return $"{now.Name} changed";
        }
        if (before.Keys.FirstOrDefault() is { } gone) return $"{gone} is gone";
        return fresh.Datasets.FirstOrDefault(s => s.NumClones is { } n && n != index.CloneCount(s.Name)) is { } snapshot
            ? $"{snapshot.Name} has {snapshot.NumClones} clone(s), {index.CloneCount(snapshot.Name)} known"
            : null;
    }

    /// <summary>
    /// <paramref name="latest"/> with everything <paramref name="scope"/> covers as <paramref name="fresh"/>
    /// read it, and the pool's own figures fresh. A snapshot read under a new name that the latest listing
    /// holds under another (same guid: a promote moved it, a rename renamed it) is known by its new name
    /// only, whether or not its old place was read, and takes its clones beyond the scope along: their
    /// origin is renamed as zfs renamed it. Costs what the scope holds: the rest is shared with
    /// <paramref name="latest"/> (<see cref="DatasetIndex"/>), and the result says what differs from it.
    /// </summary>
    /// <param name="moves">
    /// Snapshots known to have moved (<see cref="Engine.Plan.Moves"/>: old name, new name) that the read did not look
    /// for: each is known by its new name as <paramref name="latest"/> knew it under the old one, its clones
    /// following, unless the read found it where it arrived (then the read's record stands).
    /// </param>
    public static PoolListing Splice(PoolListing latest, PoolListing fresh, ReadScope scope, IReadOnlyDictionary<string, string>? moves = null)
    {
        var index = latest.Index;
        var arrived = new Dictionary<string, string>(StringComparer.Ordinal);
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in fresh.Datasets)
        {
            read.Add(d.Name);
            if (d is { IsSnapshot: true, Guid: { } guid }) arrived.TryAdd(guid, d.Name);
        }
        var moved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (guid, to) in arrived)
            if (index.SnapshotOfGuid(guid) is { Name: var from } && from != to) moved[from] = to;
        var arrivedUnread = new List<ZfsDataset>();
        foreach (var (from, to) in moves ?? NoMoves)
            if (!read.Contains(to) && moved.TryAdd(from, to) && index.Find(from) is { } known) arrivedUnread.Add(known with { Name = to });

        var builder = index.ToBuilder();
        var gone = new Dictionary<string, ZfsDataset>(StringComparer.Ordinal);
        void TakeOut(string name)
        {
            if (builder.Remove(name) is { } d) gone.TryAdd(d.Name, d);
        }
        // What the read found as it was stays, the record and its place in the indexes (issue 13: the read before an
        // activation at 1000 BEs names 510 snapshots, nearly always unchanged).
        foreach (var name in index.Covered(scope).Keys)
            if (!read.Contains(name)) TakeOut(name);
        foreach (var (from, to) in moved)
        {
            TakeOut(from);
            // A clone beyond the scope stays, hanging off the snapshot's new name.
            foreach (var kept in builder.Reorigin(from, to)) gone.TryAdd(kept.Name, kept);
        }
        foreach (var d in fresh.Datasets)
        {
            if (builder.Find(d.Name) == d) continue;
            TakeOut(d.Name); // a read beyond its scope replaces what it names
            builder.Add(d);
        }
        foreach (var d in arrivedUnread) builder.Add(d);

        var result = builder.ToIndex();
        var touched = new HashSet<string>(2 * gone.Count + fresh.Datasets.Count + arrivedUnread.Count, StringComparer.Ordinal);
        void Touch(ZfsDataset? then, ZfsDataset? now)
        {
            if (then == now) return;
            foreach (var d in (ReadOnlySpan<ZfsDataset?>)[then, now])
            {
                if (d is null) continue;
                touched.Add(d.Name);
                if (d.Origin is { } origin) touched.Add(origin);
            }
        }
        foreach (var (name, then) in gone) Touch(then, result.Find(name));
        foreach (var d in fresh.Datasets.Concat(arrivedUnread))
            if (!gone.ContainsKey(d.Name)) Touch(null, result.Find(d.Name));
        return new PoolListing(fresh.Pool, result, ListingChange.After(latest.Change, latest.Identity, touched));
    }

    /// <summary>
    /// Why a read after a plan that ran cannot be spliced with the snapshots it moved (<paramref name="moves"/>, not read
    /// again); null when it can. A promote moves all its snapshots or none: if one is still under its old name, or is
    /// still some file system's origin there, the moves did not happen as planned.
    /// </summary>
    public static string? Contradiction(PoolListing fresh, IReadOnlyDictionary<string, string> moves) =>
        fresh.Datasets.FirstOrDefault(d => moves.ContainsKey(d.Name)) is { } stayed ? $"{stayed.Name} did not move to {moves[stayed.Name]}"
        : fresh.Datasets.FirstOrDefault(d => d.Origin is { } origin && moves.ContainsKey(origin)) is { } clone
            ? $"{clone.Name} is still a clone of {clone.Origin}, which was to move to {moves[clone.Origin!]}"
            : null;

    /// <summary>
    /// What of a dataset is no change behind the console's back: the figures that change by themselves (space used),
    /// the count that is judged apart (clones), and the audit's anchor on the pool's root (<c>AuditHead</c>), the console's
    /// own, written after each audited action, outside the operation. No check or plan reads them. Taken as a change, the
    /// anchor made every operation after the first list the whole pool (1000 BEs on zfs-fuse: 7.4 s a create, not 0.14 s).
    /// </summary>
    private const DatasetFields Unwatched = DatasetFields.Space | DatasetFields.NumClones | DatasetFields.AuditHead;
}
