using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// Which snapshots a promote moves, as the engine plans it (<see cref="Scopes.PromotedMoves"/>): zfs moves the origin
/// file system's snapshots made before the origin, in its own order (createtxg), whatever their creation times say.
/// The engine knows them where they arrive without reading them again (<see cref="Plan.Moves"/>), so a wrong set
/// would be a wrong state.
/// </summary>
public sealed class PromotedMovesTests
{
    private static readonly PoolInfo Pool = new("p", "ONLINE", "p/ROOT/be1", null, "1", 100, 10, 90);

    private static ZfsDataset Fs(string name, string? origin = null) =>
        new() { Name = name, Kind = DatasetKind.Filesystem, Origin = origin, Guid = name, MountPoint = "/", CanMount = "noauto" };

    private static ZfsDataset Snap(string name, long txg, int createdAt) => new()
    {
        Name = name, Kind = DatasetKind.Snapshot, Guid = name, CreateTxg = txg,
        Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + createdAt), NumClones = name.EndsWith("@o", StringComparison.Ordinal) ? 1 : 0,
    };

    private static HostState State(params ZfsDataset[] snapshots) => HostStateReader.Read(
        new PoolListing(Pool, [Fs("p"), Fs("p/ROOT"), Fs("p/ROOT/be1"), .. snapshots, Fs("p/ROOT/be2", "p/ROOT/be1@o")]), DateTimeOffset.UnixEpoch);

    [Fact]
    public void PromotedMoves_TheClockSetBackBetweenSnapshots_MovesWhatZfsMadeBeforeTheOrigin()
    {
        // x was made after the origin (a later txg) but carries an earlier time: the clock was set back in between.
        var state = State(Snap("p/ROOT/be1@a", 10, 100), Snap("p/ROOT/be1@o", 20, 300), Snap("p/ROOT/be1@x", 30, 200), Snap("p/ROOT/be1@z", 40, 400));
        Assert.Equal(["a", "x", "o", "z"], state.Find("be1")!.Snapshots.Select(s => s.ShortName)); // listed by time

        var (whole, moves) = Scopes.PromotedMoves(state, "be2");

        Assert.Empty(whole);
        Assert.Equal(new Dictionary<string, string> { ["p/ROOT/be1@a"] = "p/ROOT/be2@a", ["p/ROOT/be1@o"] = "p/ROOT/be2@o" }, moves);
    }

    [Fact]
    public void PromotedMoves_NoTxgsKnown_MovesTheListUpToTheOrigin()
    {
        // A simulator's state file from before txgs were kept: every createtxg reads 0.
        var state = State(Snap("p/ROOT/be1@a", 0, 100), Snap("p/ROOT/be1@o", 0, 300), Snap("p/ROOT/be1@z", 0, 400));

        var (_, moves) = Scopes.PromotedMoves(state, "be2");

        Assert.Equal(["p/ROOT/be1@a", "p/ROOT/be1@o"], moves.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Promoted_AFileSystemHoldingFewerThanArrive_IsReadWholeAndTheNewNamesAreNotAsked()
    {
        // be2 holds nothing of its own; two snapshots arrive in it.
        var state = State(Snap("p/ROOT/be1@a", 10, 100), Snap("p/ROOT/be1@o", 20, 300), Snap("p/ROOT/be1@z", 40, 400));

        var scope = Scopes.Promoted(state, "be2");

        Assert.Equal(["p/ROOT/be2"], scope.Trees);
        Assert.Equal(["p/ROOT/be1@a", "p/ROOT/be1@o"], scope.Singles.Order(StringComparer.Ordinal));
        Assert.True(scope.Covers("p/ROOT/be2@a") && scope.Covers("p/ROOT/be2@o"));
    }

    [Fact]
    public void Promoted_AFileSystemHoldingMoreThanArrive_AsksTheNewNames()
    {
        // be2 holds three snapshots of its own (and itself); one arrives: asking one name is cheaper than listing four.
        var state = HostStateReader.Read(new PoolListing(Pool,
        [
            Fs("p"), Fs("p/ROOT"), Fs("p/ROOT/be1"), Snap("p/ROOT/be1@o", 20, 300), Fs("p/ROOT/be2", "p/ROOT/be1@o"),
            Snap("p/ROOT/be2@x", 30, 310), Snap("p/ROOT/be2@y", 31, 320), Snap("p/ROOT/be2@w", 32, 330),
        ]), DateTimeOffset.UnixEpoch);

        var scope = Scopes.Promoted(state, "be2");

        Assert.Empty(scope.Trees);
        Assert.Equal(["p/ROOT/be1@o", "p/ROOT/be2@o"], scope.Singles.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AfterMoves_ATreeTheMovesArrivedIn_IsReadAsItsFileSystemsAndTheSnapshotsItHeldBefore()
    {
        var before = new PoolListing(Pool,
        [
            Fs("p"), Fs("p/ROOT"), Fs("p/ROOT/be1"), Snap("p/ROOT/be1@a", 10, 100), Snap("p/ROOT/be1@o", 20, 300),
            Fs("p/ROOT/be2", "p/ROOT/be1@o"), Fs("p/ROOT/be2/var", "p/ROOT/be1@o"), Snap("p/ROOT/be2/var@own", 30, 310),
        ]);
        var moves = new Dictionary<string, string> { ["p/ROOT/be1@a"] = "p/ROOT/be2@a", ["p/ROOT/be1@o"] = "p/ROOT/be2@o" };
        var scope = new ReadScope(["p/ROOT/be2", "p/other"], ["p/ROOT/be1@a", "p/ROOT/be1@o", "p/ROOT/be1"]);

        var after = Scopes.AfterMoves(scope, moves, before);

        Assert.Equal(["p/other"], after.Trees);
        Assert.Equal(["p/ROOT/be2"], after.FileSystems);
        Assert.Equal(["p/ROOT/be1", "p/ROOT/be2/var@own"], after.Singles.Order(StringComparer.Ordinal));
        Assert.False(after.Covers("p/ROOT/be2@a")); // known where it arrived, not read
        Assert.True(after.Covers("p/ROOT/be2/var"));
    }

    [Fact]
    public void AfterMoves_ATreeWhoseOriginChainLeavesTheBes_IsReadWholeAgain()
    {
        // be1 is a clone of a dataset outside the BEs: what be2's promotes take from there is not in the moves.
        var before = new PoolListing(Pool,
        [
            Fs("p"), Fs("p/data"), Snap("p/data@d", 5, 50), Fs("p/ROOT"), Fs("p/ROOT/be1", "p/data@d"), Snap("p/ROOT/be1@o", 20, 300),
            Fs("p/ROOT/be2", "p/ROOT/be1@o"),
        ]);
        var moves = new Dictionary<string, string> { ["p/ROOT/be1@o"] = "p/ROOT/be2@o" };

        var after = Scopes.AfterMoves(new ReadScope(["p/ROOT/be2"], ["p/ROOT/be1@o"]), moves, before);

        Assert.Equal(["p/ROOT/be2"], after.Trees);
        Assert.Empty(after.Singles);
    }

    [Fact]
    public void Origins_APlanChangingItsCopy_LeavesTheStatesOwn()
    {
        // Worked out once per state (FileSystems.Of); each plan promotes on a copy of its own.
        var state = State(Snap("p/ROOT/be1@o", 20, 300));
        var planned = Promotion.Origins(state);

        planned["p/ROOT/be2"] = null;
        planned["p/ROOT/be1"] = "p/ROOT/be2@o";

        Assert.Equal("p/ROOT/be1@o", Promotion.Origins(state)["p/ROOT/be2"]);
        Assert.Null(FileSystems.Of(state).Origins["p/ROOT/be1"]);
        Assert.Same(FileSystems.Of(state), FileSystems.Of(state));
    }
}
