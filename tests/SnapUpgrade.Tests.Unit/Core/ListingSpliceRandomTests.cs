using System.Text.Json;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// The indexed splice and check (<see cref="ListingSplice"/> over <c>DatasetIndex</c>) against the list-based ones
/// they replaced (kept here as the oracle), and a state built from a spliced listing (only the BEs it touched
/// built again) against one built from the whole listing, on random hosts changed at random: snapshots taken and
/// destroyed, BEs cloned, destroyed, renamed and promoted (their snapshots keep their guids), properties set.
/// </summary>
public sealed class ListingSpliceRandomTests
{
    private static readonly PoolInfo Pool = new("p", "ONLINE", "p/ROOT/b0", null, "1", 100, 10, 90);

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 150)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Splice_RandomHostAndChange_IsTheListBasedSplice(int seed)
    {
        var (latest, scope, fresh) = Changed(seed);

        var spliced = ListingSplice.Splice(latest, fresh, scope);

        var expected = Oracle.Splice(latest, fresh, scope).Datasets;
        Assert.Equal(Describe(expected), Describe(spliced.Datasets));
        Assert.Equal(expected.Count, spliced.Datasets.Count);
        foreach (var d in spliced.Datasets) Assert.Same(d, spliced.Find(d.Name));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Disagreement_RandomHostAndChange_IsTheListBasedOne(int seed)
    {
        var (latest, scope, fresh) = Changed(seed);

        var expected = Oracle.Disagreement(latest, fresh, scope);
        var actual = ListingSplice.Disagreement(latest, fresh, scope);

        if (expected is not null && expected.EndsWith(" is gone", StringComparison.Ordinal))
        {
            // Which of several gone datasets is named first is the walk's order; each is gone.
            Assert.NotNull(actual);
            Assert.EndsWith(" is gone", actual);
            var name = actual[..^" is gone".Length];
            Assert.True(scope.Covers(name) && latest.Find(name) is not null && fresh.Find(name) is null, actual);
        }
        else Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Read_SplicedTwice_WithTheStateBefore_IsTheStateOfTheWholeListing(int seed)
    {
        var random = new Random(seed);
        var host = RandomHost.Make(random);
        var latest = host.Listing();
        var before = HostStateReader.Read(latest, DateTimeOffset.UnixEpoch);
        var first = host.Change(random);
        var once = ListingSplice.Splice(latest, host.Read(first), first);
        var second = host.Change(random);
        var twice = ListingSplice.Splice(once, host.Read(second), second);

        foreach (var listing in new[] { once, twice })
        {
            var whole = HostStateReader.Read(new PoolListing(listing.Pool, [.. listing.Datasets]), DateTimeOffset.UnixEpoch);
            var kept = HostStateReader.Read(listing, DateTimeOffset.UnixEpoch, before);
            Assert.Equal(Json(whole), Json(kept));
        }
    }

    [Fact]
    public void Read_SplicedAfterAPromote_BuildsBothBesAgain()
    {
        // b0 booted with s1, s2; b1 a clone of b0@s2; b1 promoted: s1 and s2 move to b1 under their guids.
        ZfsDataset Fs(string name, string? origin = null) => new() { Name = name, Kind = DatasetKind.Filesystem, Origin = origin, Guid = name, Uuid = name };
        ZfsDataset Snap(string name, string guid, int txg, int clones) =>
            new() { Name = name, Kind = DatasetKind.Snapshot, Guid = guid, CreateTxg = txg, NumClones = clones };
        var latest = new PoolListing(Pool, [Fs("p"), Fs("p/ROOT"), Fs("p/ROOT/b0"), Snap("p/ROOT/b0@s1", "g1", 1, 0), Snap("p/ROOT/b0@s2", "g2", 2, 1),
            Fs("p/ROOT/b1", "p/ROOT/b0@s2"), Fs("p/ROOT/b2", "p/ROOT/b0@s1")]);
        var before = HostStateReader.Read(latest, DateTimeOffset.UnixEpoch);
        var scope = new ReadScope(["p/ROOT/b1"], ["p/ROOT/b0"]);
        var fresh = new PoolListing(Pool, [Fs("p/ROOT/b0", "p/ROOT/b1@s2"), Fs("p/ROOT/b1"), Snap("p/ROOT/b1@s1", "g1", 1, 1), Snap("p/ROOT/b1@s2", "g2", 2, 1)]);

        var spliced = ListingSplice.Splice(latest, fresh, scope);
        var state = HostStateReader.Read(spliced, DateTimeOffset.UnixEpoch, before);

        Assert.Equal("p/ROOT/b1@s1", state.Find("b2")!.Origin); // beyond the scope, renamed with its origin
        Assert.Equal(["p/ROOT/b0", "p/ROOT/b2"], state.Find("b1")!.Snapshots.SelectMany(s => s.Clones).Order());
        Assert.Empty(state.Find("b0")!.Snapshots);
        Assert.Equal(Json(HostStateReader.Read(new PoolListing(Pool, [.. spliced.Datasets]), DateTimeOffset.UnixEpoch)), Json(state));
    }

    /// <summary>A random host's listing, then one random change to it: the scope that reads it and what that read gives.</summary>
    private static (PoolListing Latest, ReadScope Scope, PoolListing Fresh) Changed(int seed)
    {
        var random = new Random(seed);
        var host = RandomHost.Make(random);
        var latest = host.Listing();
        var scope = host.Change(random);
        return (latest, scope, host.Read(scope));
    }

    private static string Json(HostState state) => JsonSerializer.Serialize(state);

    private static List<string> Describe(IEnumerable<ZfsDataset> datasets) =>
        [.. datasets.Select(d => d.ToString()).Order(StringComparer.Ordinal)];

    /// <summary>The list-based splice and check before DatasetIndex (session 15), word for word.</summary>
    private static class Oracle
    {
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

        private static ZfsDataset Structure(ZfsDataset d) => d with { Used = 0, Referenced = 0, NumClones = null };
    }

    /// <summary>A pool of BEs (some with a child), their snapshots and clones, changed the way zfs changes one.</summary>
    private sealed class RandomHost
    {
        private readonly Dictionary<string, ZfsDataset> _datasets = new(StringComparer.Ordinal);
        private long _txg;

        public static RandomHost Make(Random random)
        {
            var host = new RandomHost();
            host.Add(Fs("p"));
            host.Add(Fs("p/ROOT"));
            host.Add(Fs("p/VARSHARED"));
            host.AddBe("b0", origin: null, random);
            for (var i = 1; i < random.Next(3, 12); i++)
            {
                var snapshots = host.Snapshots().ToList();
                host.AddBe($"b{i}", random.Next(3) > 0 && snapshots.Count > 0 ? snapshots[random.Next(snapshots.Count)] : null, random);
            }
            return host;
        }

        public PoolListing Listing() => new(Pool, [.. _datasets.Values.Select(WithClones).OrderBy(d => d.CreateTxg)]);

        /// <summary>What a scoped read of the host now gives (<see cref="IZfs.ReadAsync"/>).</summary>
        public PoolListing Read(ReadScope scope) =>
            new(Pool, [.. _datasets.Values.Where(d => scope.Covers(d.Name)).Select(WithClones).OrderBy(d => d.CreateTxg)]);

        /// <summary>Changes the host one way at random; returns the scope that reads what changed (and a little more).</summary>
        public ReadScope Change(Random random)
        {
            var bes = Bes().ToList();
            var be = bes[random.Next(bes.Count)];
            List<string> trees = [be], singles = ["p/ROOT"], fileSystems = [];
            switch (random.Next(6))
            {
                case 0: // a snapshot of the BE and its children
                    var name = $"n{_txg}";
                    foreach (var fs in _datasets.Keys.Where(n => n == be || n.StartsWith(be + "/", StringComparison.Ordinal)).ToList())
                        Add(Snap($"{fs}@{name}"));
                    trees.Clear();
                    fileSystems.Add(be);
                    singles.Add($"{be}@{name}");
                    break;
                case 1: // a new BE cloned from one of its snapshots
                    if (Snapshots().FirstOrDefault(s => s.StartsWith(be + "@", StringComparison.Ordinal)) is { } origin)
                    {
                        var clone = $"p/ROOT/new{_txg}";
                        AddBe(clone["p/ROOT/".Length..], origin, random);
                        trees.Add(clone);
                    }
                    break;
                case 2: // a BE without dependents destroyed
                    if (bes.FirstOrDefault(b => b != "p/ROOT/b0" && !_datasets.Values.Any(d => d.Origin?.StartsWith(b + "@", StringComparison.Ordinal) == true
                            || d.Origin?.StartsWith(b + "/", StringComparison.Ordinal) == true)) is { } gone)
                    {
                        foreach (var n in Below(gone).ToList()) _datasets.Remove(n);
                        trees.Add(gone);
                    }
                    break;
                case 3: // a property set, and space used that moved
                    _datasets[be] = _datasets[be] with { Keep = random.Next(2) == 0 ? "on" : null, Used = random.Next(1000) };
                    if (Below(be).FirstOrDefault(n => n.Contains('@')) is { } snap) _datasets[snap] = _datasets[snap] with { Used = random.Next(1000) };
                    break;
                case 4: // renamed: its snapshots keep their guids, their clones' origins follow
                    var to = $"p/ROOT/r{_txg++}";
                    Rename(be, to);
                    trees.Add(to);
                    break;
                default: // a clone of it promoted: the snapshots up to its origin move to the clone
                    if (_datasets.Values.FirstOrDefault(d => !d.IsSnapshot && d.Origin?.StartsWith(be + "@", StringComparison.Ordinal) == true
                            && Bes().Contains(d.Name)) is { } promoted)
                    {
                        Promote(promoted.Name, be);
                        trees.Add(promoted.Name);
                    }
                    break;
            }
            if (random.Next(3) == 0) singles.Add(bes[random.Next(bes.Count)]);
            return new ReadScope(trees, singles, fileSystems);
        }

        private void AddBe(string name, string? origin, Random random)
        {
            var root = $"p/ROOT/{name}";
            Add(Fs(root, origin) with { Uuid = $"u-{name}", MountPoint = "/", CanMount = "noauto" });
            if (random.Next(3) == 0) Add(Fs($"{root}/var", origin is null ? null : origin.Replace("@", "/var@", StringComparison.Ordinal)) with { MountPoint = "/var" });
            for (var s = 0; s < random.Next(0, 4); s++)
                foreach (var fs in _datasets.Keys.Where(n => n == root || n.StartsWith(root + "/", StringComparison.Ordinal)).ToList())
                    Add(Snap($"{fs}@s{s}"));
        }

        private void Rename(string from, string to)
        {
            foreach (var name in Below(from).ToList())
            {
                var d = _datasets[name];
                _datasets.Remove(name);
                var renamed = to + name[from.Length..];
                _datasets[renamed] = d with { Name = renamed };
                foreach (var clone in _datasets.Values.Where(c => c.Origin == name).ToList())
                    _datasets[clone.Name] = clone with { Origin = renamed };
            }
        }

        /// <summary>zfs promote: the origin's snapshots up to the clone's origin move to the clone; the origin becomes its clone.</summary>
        private void Promote(string clone, string origin)
        {
            var at = _datasets[clone].Origin!;
            var before = _datasets[origin].Origin; // the clone takes it over
            var txg = _datasets[at].CreateTxg;
            foreach (var snap in _datasets.Values.Where(d => d.IsSnapshot && d.FileSystem == origin && d.CreateTxg <= txg).ToList())
            {
                var moved = $"{clone}@{snap.SnapshotName}";
                _datasets.Remove(snap.Name);
                _datasets[moved] = snap with { Name = moved };
                foreach (var c in _datasets.Values.Where(c => c.Origin == snap.Name).ToList())
                    _datasets[c.Name] = c with { Origin = c.Name == clone ? before : moved };
            }
            _datasets[origin] = _datasets[origin] with { Origin = $"{clone}@{at[(at.IndexOf('@') + 1)..]}" };
        }

        private IEnumerable<string> Bes() => _datasets.Keys.Where(n => n.StartsWith("p/ROOT/", StringComparison.Ordinal) && n.IndexOfAny(['/', '@'], 7) < 0);

        private IEnumerable<string> Snapshots() => _datasets.Keys.Where(n => n.Contains('@') && !n.Contains("/var", StringComparison.Ordinal));

        private IEnumerable<string> Below(string root) =>
            _datasets.Keys.Where(n => n == root || n.StartsWith(root + "/", StringComparison.Ordinal) || n.StartsWith(root + "@", StringComparison.Ordinal));

        private ZfsDataset WithClones(ZfsDataset d) =>
            d.IsSnapshot ? d with { NumClones = _datasets.Values.Count(c => c.Origin == d.Name) } : d;

        private void Add(ZfsDataset d)
        {
            var txg = ++_txg;
            _datasets[d.Name] = d with { Guid = $"g{txg}", CreateTxg = txg, Created = DateTimeOffset.UnixEpoch.AddSeconds(txg / 3) };
        }

        private static ZfsDataset Fs(string name, string? origin = null) => new() { Name = name, Kind = DatasetKind.Filesystem, Origin = origin, Used = 1 };

        private static ZfsDataset Snap(string name) => new() { Name = name, Kind = DatasetKind.Snapshot, Used = 1 };
    }
}
