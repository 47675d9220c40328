namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// Keeps one listing of the pool up to date from scoped reads (<see cref="IZfs.ReadAsync"/>), and says
/// when a scoped read shows that the rest of it cannot be trusted any more. Pure: no IO.
/// </summary>
public static class ListingSplice
{
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
        var before = latest.Datasets.Where(d => scope.Covers(d.Name)).ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var now in fresh.Datasets)
        {
            if (!before.Remove(now.Name, out var then)) return $"{now.Name} is new";
            if (Structure(then) != Structure(now)) return $"{now.Name} changed";
        }
        if (before.Keys.FirstOrDefault() is { } gone) return $"{gone} is gone";
        var clones = latest.Datasets.Where(d => d.Origin is not null).CountBy(d => d.Origin!, StringComparer.Ordinal)
            .ToDictionary(StringComparer.Ordinal);
        return fresh.Datasets.FirstOrDefault(s => s.NumClones is { } n && n != clones.GetValueOrDefault(s.Name)) is { } snapshot
            ? $"{snapshot.Name} has {snapshot.NumClones} clone(s), {clones.GetValueOrDefault(snapshot.Name)} known"
            : null;
    }

    /// <summary>
    /// <paramref name="latest"/> with everything <paramref name="scope"/> covers as <paramref name="fresh"/>
    /// read it, and the pool's own figures fresh. A snapshot read under a new name that the latest listing
    /// holds under another (same guid: a promote moved it, a rename renamed it) is known by its new name
    /// only, whether or not its old place was read, and takes its clones beyond the scope along: their
    /// origin is renamed as zfs renamed it.
    /// </summary>
    public static PoolListing Splice(PoolListing latest, PoolListing fresh, ReadScope scope)
    {
        var arrived = fresh.Datasets.Where(d => d.IsSnapshot && d.Guid is not null)
            .GroupBy(d => d.Guid!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
        var moved = latest.Datasets
            .Where(d => d.IsSnapshot && d.Guid is not null && arrived.TryGetValue(d.Guid, out var to) && to != d.Name)
            .ToDictionary(d => d.Name, d => arrived[d.Guid!], StringComparer.Ordinal);
        var kept = latest.Datasets.Where(d => !scope.Covers(d.Name) && !moved.ContainsKey(d.Name))
            .Select(d => d.Origin is { } origin && moved.TryGetValue(origin, out var to) ? d with { Origin = to } : d);
        return new PoolListing(fresh.Pool, [.. kept, .. fresh.Datasets]);
    }

    /// <summary>A dataset without the figures that change by themselves (space used) and the count that is judged apart (clones).</summary>
    private static ZfsDataset Structure(ZfsDataset d) => d with { Used = 0, Referenced = 0, NumClones = null };
}
