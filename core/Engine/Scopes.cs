using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The parts of a <see cref="ReadScope"/> operations share, named from the latest known state (issue 13:
/// an operation reads what it touches, not the pool). A scope is wide enough when everything the
/// operation's checks and plan look at, and everything it changes, is in it; the engine proves the rest
/// of its latest state still holds (<see cref="ListingSplice.Disagreement"/>) or reads the whole pool.
/// </summary>
public static class Scopes
{
    /// <summary>
    /// What every operation may look at: the pool's root, the BE and zone containers (the one-shot
    /// boot), the shared datasets, the booted BE, the BE active on reboot, the one-shot BE, and every BE
    /// on trial (activation ends them all).
    /// </summary>
    public static ReadScope Base(HostState state, Layout layout) => new([],
    [
        state.Pool, layout.BeContainer, layout.ZonesContainer, .. state.SharedDatasets.Select(s => s.Dataset),
        .. new[] { state.Booted, state.ActiveOnReboot, state.NextBoot }.OfType<BootEnvironment>().Select(b => b.Dataset),
        .. state.BootEnvironments.Where(b => b.Trial != TrialState.None).Select(b => b.Dataset),
    ]);

    /// <summary>
    /// A BE by name, whole (children, snapshots), with its zone BEs: read even when the latest state has no
    /// such BE. Nothing for a name that is no valid BE name: that is refused before anything is read.
    /// </summary>
    public static ReadScope Be(HostState state, Layout layout, string name) => Names.Check(name) is not null ? ReadScope.Empty
        : new([layout.Be(name), .. state.Find(name)?.ZoneBes.Select(z => z.Dataset) ?? []], []);

    /// <summary>
    /// A BE by name, its file systems only (its children and zone BEs, none of their snapshots): for an
    /// operation that neither looks at its snapshots nor changes them, or that names the snapshots it takes
    /// (<see cref="Plan.Touches"/>). The booted BE may hold a snapshot for every BE made from it.
    /// </summary>
    public static ReadScope BeFileSystems(HostState state, Layout layout, string name) => Names.Check(name) is not null ? ReadScope.Empty
        : new([], [], [layout.Be(name), .. state.Find(name)?.ZoneBes.Select(z => z.Dataset) ?? []]);

    /// <summary>
    /// The snapshots that promoting a BE's file systems until they stand alone moves (<see cref="Promotion.PlanStandAlone"/>):
    /// up each origin chain, the origin file system's snapshots up to the origin snapshot, each by its name
    /// there and by the name it takes in the promoted file system. Read before: their clone counts are checked, and
    /// the new names must be free. After a promote that ran they are known where they arrived without a read
    /// (<see cref="Plan.Moves"/>). Only these move: the BE's own snapshots stay.
    /// </summary>
    /// <remarks>
    /// zfs looks a name up whether or not it is there (a missing one cost as much as one there on zfs-fuse: about
    /// 0.2 ms, 90 ms for the 510 new names at 1000 BEs). So where a promoted file system holds fewer datasets than
    /// arrive in it (a new BE holds none of its own snapshots), it is read whole instead: its names are free if none is
    /// there. After the promote it is read again as before it (<see cref="AfterMoves"/>).
    /// </remarks>
    public static ReadScope Promoted(HostState state, string name)
    {
        var (whole, moves) = PromotedMoves(state, name);
        var known = FileSystems.Of(state).Snapshots;
        int Holds(string fs) => known.Where(k => k.Key == fs || IsBelow(k.Key, fs)).Sum(k => 1 + k.Value.Count);
        var trees = new HashSet<string>(whole, StringComparer.Ordinal);
        var singles = new List<string>(moves.Keys);
        foreach (var arriving in moves.Values.GroupBy(FileSystemOf, StringComparer.Ordinal))
        {
            if (Holds(arriving.Key) < arriving.Count()) trees.Add(arriving.Key);
            else singles.AddRange(arriving);
        }
        return new(trees, singles);
    }

    /// <summary>
    /// What to read again after a plan that ran and moved <paramref name="moves"/> (known where they arrived without a
    /// read, <see cref="ListingSplice.Splice"/>): <paramref name="scope"/> without the moved names, and a tree they arrived
    /// in (<see cref="Promoted"/>) as its file systems and the snapshots it held before (<paramref name="before"/>). A tree
    /// with a file system whose origin chain the moves do not cover all the way up (it leaves the BEs: what arrived from
    /// there is not known) is read whole again.
    /// </summary>
    public static ReadScope AfterMoves(ReadScope scope, IReadOnlyDictionary<string, string> moves, PoolListing before)
    {
        var moving = new HashSet<string>([.. moves.Keys, .. moves.Values], StringComparer.Ordinal);
        var arrivedIn = moves.Values.Select(FileSystemOf).ToHashSet(StringComparer.Ordinal);
        bool Modelled(ZfsDataset fs)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var origin = fs.Origin; origin is not null; origin = before.Find(FileSystemOf(origin))?.Origin)
                if (!moves.ContainsKey(origin) || !seen.Add(origin)) return false;
            return true;
        }
        var holding = new Dictionary<string, List<ZfsDataset>>(StringComparer.Ordinal);
        foreach (var tree in scope.Trees.Where(t => arrivedIn.Any(fs => fs == t || IsBelow(fs, t))))
        {
            var datasets = before.Index.Covered(new ReadScope([tree], [])).Values.ToList();
            if (datasets.Where(d => !d.IsSnapshot).All(Modelled)) holding[tree] = datasets;
        }
        var held = holding.Values.SelectMany(d => d).Where(d => d.IsSnapshot).Select(d => d.Name);
        return new(scope.Trees.Except(holding.Keys), scope.Singles.Concat(held).Where(n => !moving.Contains(n)), scope.FileSystems.Concat(holding.Keys));
    }

    /// <summary>
    /// What <see cref="Promoted"/> reads, as moves: each snapshot's name now and the name it takes; and the file systems
    /// to read whole instead, whose origin is outside the BEs (a dataset the state does not describe: its snapshots are not
    /// known by name).
    /// </summary>
    public static (IReadOnlySet<string> Whole, IReadOnlyDictionary<string, string> Moves) PromotedMoves(HostState state, string name)
    {
        var moves = new Dictionary<string, string>(StringComparer.Ordinal);
        var whole = new HashSet<string>(StringComparer.Ordinal);
        if (state.Find(name) is not { } be) return (whole, moves);
        var fileSystems = FileSystems.Of(state);
        var (snapshots, owners, origins) = (fileSystems.Snapshots, fileSystems.Owners, fileSystems.Origins);
        foreach (var dataset in Datasets(be))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var origin = origins.GetValueOrDefault(dataset); origin is not null;)
            {
                var fs = origin[..origin.IndexOf('@')];
                if (!seen.Add(fs)) break;
                if (!snapshots.TryGetValue(fs, out var ofOrigin))
                {
                    whole.Add(dataset);
                    break;
                }
                foreach (var snapshot in Moving(state, owners.GetValueOrDefault(fs), fs, ofOrigin, origin))
                    moves[snapshot.Name] = $"{dataset}@{snapshot.ShortName}";
                origin = origins.GetValueOrDefault(fs);
            }
        }
        return (whole, moves);
    }

    /// <summary>
    /// The snapshots of <paramref name="fs"/> a promote of a clone of <paramref name="origin"/> takes: those zfs made before
    /// it, and it. zfs's order is its transaction groups (createtxg), which a clock set back makes differ from the creation
    /// times a BE's snapshots are listed by; so they are taken from what the state was read from when every one of them
    /// has one (a simulator's file from before txgs were kept says 0), and from the list up to the origin otherwise.
    /// </summary>
    private static IEnumerable<Snapshot> Moving(HostState state, string? owner, string fs, IReadOnlyList<Snapshot> snapshots, string origin)
    {
        var prefix = fs + "@";
        var txgs = owner is not null && state.Sources?.Bes.GetValueOrDefault(owner) is { } sources
            ? sources.Datasets.Where(d => d.IsSnapshot && d.Name.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(d => d.Name, d => d.CreateTxg, StringComparer.Ordinal)
            : null;
        if (txgs is not null && txgs.GetValueOrDefault(origin) is > 0 and var at && snapshots.All(s => txgs.GetValueOrDefault(s.Name) > 0))
            return snapshots.Where(s => txgs[s.Name] <= at);
        var upTo = snapshots.Select(s => s.Name).ToList().IndexOf(origin);
        return upTo < 0 ? snapshots : snapshots.Take(upTo + 1);
    }

    /// <summary>Where a new BE name would go: the global BE and every zone's BE of that name (absent, or a clash).</summary>
    public static ReadScope NewName(HostState state, Layout layout, string name) => Names.Check(name) is not null ? ReadScope.Empty
        : new([layout.Be(name), .. state.Zones.Select(z => layout.ZoneBe(z.Name, name))], []);

    /// <summary>
    /// Up the whole origin chain of a BE, its children and its zone BEs: each origin snapshot and the file
    /// system it belongs to, alone. A promote plans from their origins; a destroy takes an origin snapshot
    /// nothing else uses, judged by its own clone count. Their other snapshots are not read: a file system
    /// may hold a thousand (every BE made from it), and the snapshots a promote moves are found where they
    /// arrive (<see cref="ListingSplice.Splice"/>).
    /// </summary>
    public static ReadScope Origins(HostState state, string name)
    {
        if (state.Find(name) is not { } be) return ReadScope.Empty;
        var origins = FileSystems.Of(state).Origins;
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dataset in Datasets(be))
        {
            for (var origin = origins.GetValueOrDefault(dataset); origin is not null;)
            {
                var fs = origin[..origin.IndexOf('@')];
                if (!read.Add(fs)) break;
                read.Add(origin);
                origin = origins.GetValueOrDefault(fs);
            }
        }
        return new([], read);
    }

    /// <summary>The clones of a BE's snapshots (of its children's and zone BEs' too): a destroy promotes them, a rename renames their origins.</summary>
    public static ReadScope Dependents(HostState state, string name)
    {
        if (state.Find(name) is not { } be) return ReadScope.Empty;
        var own = Datasets(be).ToHashSet(StringComparer.Ordinal);
        return new(FileSystems.Of(state).Origins
            .Where(o => o.Value is { } origin && own.Contains(origin[..origin.IndexOf('@')]))
            .Select(o => o.Key), []);
    }

    /// <summary>The zone BEs whose <c>active</c> flag follows the next boot's BE (<see cref="ZoneFlags"/>): those on now, and the target's.</summary>
    public static ReadScope ZoneFlagsOf(HostState state, BootEnvironment? target) => new([],
        state.Zones.SelectMany(z => z.BootEnvironments)
            .Where(z => z.Active || (target?.Uuid is not null && z.ParentBe == target.Uuid))
            .Select(z => z.Dataset));

    private static string FileSystemOf(string snapshot) => snapshot[..snapshot.IndexOf('@')];

    private static bool IsBelow(string name, string root) => name.Length > root.Length && name.StartsWith(root, StringComparison.Ordinal) && name[root.Length] == '/';

    private static IEnumerable<string> Datasets(BootEnvironment be) =>
        be.Children.Select(c => c.Dataset).Prepend(be.Dataset).Concat(be.ZoneBes.Select(z => z.Dataset));
}
