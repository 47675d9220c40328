using System.Text.Json;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// The engine's last listing kept up to date from scoped reads (issue 13): when a scoped read says the
/// rest cannot be trusted, and how a read is spliced in, on hand-made listings.
/// </summary>
public sealed class ListingSpliceTests
{
    private static readonly PoolInfo Pool = new("p", "ONLINE", "p/ROOT/a", null, "1", 100, 10, 90);

    private static ZfsDataset Fs(string name, string? origin = null, string? guid = null) =>
        new() { Name = name, Kind = DatasetKind.Filesystem, Origin = origin, Guid = guid ?? name, Used = 1 };

    private static ZfsDataset Snap(string name, int clones, string? guid = null) =>
        new() { Name = name, Kind = DatasetKind.Snapshot, NumClones = clones, Guid = guid ?? name, Used = 1 };

    private static readonly PoolListing Latest = new(Pool,
        [Fs("p"), Fs("p/ROOT"), Fs("p/ROOT/a"), Snap("p/ROOT/a@s", 2), Fs("p/ROOT/b", "p/ROOT/a@s"), Fs("p/ROOT/c", "p/ROOT/a@s")]);

    private static readonly ReadScope TreeA = new(["p/ROOT/a"], ["p/ROOT"]);

    [Fact]
    public void Disagreement_SameDatasetsWithOtherSpaceFigures_IsNone()
    {
        var fresh = new PoolListing(Pool, [Fs("p/ROOT") with { Used = 7 }, Fs("p/ROOT/a") with { Used = 9 }, Snap("p/ROOT/a@s", 2) with { Referenced = 3 }]);

        Assert.Null(ListingSplice.Disagreement(Latest, fresh, TreeA));
    }

    [Fact]
    public void Disagreement_OnlyTheAuditAnchorOnThePoolsRootMoved_IsNone_AndTheSpliceTakesTheNewAnchor()
    {
        // The console anchors its audit chain on the pool's root after each audited action, outside the operation.
        var latest = new PoolListing(Pool, [Fs("p") with { AuditHead = "db:1:aa" }, .. Latest.Datasets.Skip(1)]);
        var scope = new ReadScope(["p/ROOT/a"], ["p", "p/ROOT"]);
        var fresh = new PoolListing(Pool, [Fs("p") with { AuditHead = "db:2:bb" }, Fs("p/ROOT"), Fs("p/ROOT/a"), Snap("p/ROOT/a@s", 2)]);

        Assert.Null(ListingSplice.Disagreement(latest, fresh, scope));
        Assert.Equal("db:2:bb", ListingSplice.Splice(latest, fresh, scope).Datasets.Single(d => d.Name == "p").AuditHead);
        // Any other property of the root still counts.
        Assert.Equal("p changed", ListingSplice.Disagreement(latest,
            new PoolListing(Pool, [Fs("p") with { AuditHead = "db:2:bb", Keep = "on" }, .. fresh.Datasets.Skip(1)]), scope));
    }

    [Theory]
    [InlineData("new", "p/ROOT/a@t is new")]
    [InlineData("changed", "p/ROOT/a changed")]
    [InlineData("gone", "p/ROOT/a@s is gone")]
    [InlineData("clones", "p/ROOT/a@s has 3 clone(s), 2 known")]
    public void Disagreement_ADatasetNewChangedOrGone_OrAnUnknownClone_SaysWhich(string change, string why)
    {
        List<ZfsDataset> read = change switch
        {
            "new" => [Fs("p/ROOT"), Fs("p/ROOT/a"), Snap("p/ROOT/a@s", 2), Snap("p/ROOT/a@t", 0)],
            "changed" => [Fs("p/ROOT"), Fs("p/ROOT/a") with { Keep = "on" }, Snap("p/ROOT/a@s", 2)],
            "gone" => [Fs("p/ROOT"), Fs("p/ROOT/a")],
            _ => [Fs("p/ROOT"), Fs("p/ROOT/a"), Snap("p/ROOT/a@s", 3)],
        };

        Assert.Equal(why, ListingSplice.Disagreement(Latest, new PoolListing(Pool, read), TreeA));
    }

    [Fact]
    public void Splice_ASnapshotThatMovedUnderAnotherName_TakesItsClonesBeyondTheScopeAlong()
    {
        // b promoted: a@s is now b@s (same guid); c, not read, hangs off b@s as zfs renamed it; a is b's clone.
        var scope = new ReadScope(["p/ROOT/a", "p/ROOT/b"], []);
        var fresh = new PoolListing(Pool with { Bootfs = "p/ROOT/b" },
            [Fs("p/ROOT/a", "p/ROOT/b@s"), Fs("p/ROOT/b"), Snap("p/ROOT/b@s", 2, guid: "p/ROOT/a@s")]);

        var spliced = ListingSplice.Splice(Latest, fresh, scope);

        Assert.Equal("p/ROOT/b@s", spliced.Find("p/ROOT/c")!.Origin);
        Assert.Null(spliced.Find("p/ROOT/a@s"));
        Assert.Equal("p/ROOT/b", spliced.Pool.Bootfs);
        // A spliced listing is in name order (zfs's is not kept: HostStateReader orders snapshots by txg).
        Assert.Equal(["p", "p/ROOT", "p/ROOT/a", "p/ROOT/b", "p/ROOT/b@s", "p/ROOT/c"], spliced.Datasets.Select(d => d.Name));
    }

    [Fact]
    public void Splice_MovesNotReadAgain_AreKnownWhereTheyArrivedAsTheyWere_TheirClonesFollowing()
    {
        // b promoted, as planned: a@s moves to b@s. Only the file systems are read again.
        var scope = new ReadScope([], ["p/ROOT/a", "p/ROOT/b"]);
        var fresh = new PoolListing(Pool with { Bootfs = "p/ROOT/b" }, [Fs("p/ROOT/a", "p/ROOT/b@s"), Fs("p/ROOT/b")]);
        var moves = new Dictionary<string, string> { ["p/ROOT/a@s"] = "p/ROOT/b@s" };

        Assert.Null(ListingSplice.Contradiction(fresh, moves));
        var spliced = ListingSplice.Splice(Latest, fresh, scope, moves);

        Assert.Null(spliced.Find("p/ROOT/a@s"));
        Assert.Equal(Snap("p/ROOT/a@s", 2) with { Name = "p/ROOT/b@s" }, spliced.Find("p/ROOT/b@s")); // guid, clone count and all
        Assert.Equal("p/ROOT/b@s", spliced.Find("p/ROOT/c")!.Origin); // not read: follows its origin
        Assert.Null(spliced.Find("p/ROOT/b")!.Origin);
        Assert.Equal(["p", "p/ROOT", "p/ROOT/a", "p/ROOT/b", "p/ROOT/b@s", "p/ROOT/c"], spliced.Datasets.Select(d => d.Name));
        // The state built from it with the one before: every BE whose origin or snapshots moved is as a read shows it.
        var state = HostStateReader.Read(spliced, DateTimeOffset.UnixEpoch, HostStateReader.Read(Latest, DateTimeOffset.UnixEpoch));
        var whole = HostStateReader.Read(new PoolListing(spliced.Pool, [.. spliced.Datasets]), DateTimeOffset.UnixEpoch);
        Assert.Equal(whole.BootEnvironments.Select(b => (b.Name, b.Origin, Snapshots: string.Join(',', b.Snapshots.Select(x => $"{x.Name}>{string.Join('+', x.Clones)}")))),
            state.BootEnvironments.Select(b => (b.Name, b.Origin, Snapshots: string.Join(',', b.Snapshots.Select(x => $"{x.Name}>{string.Join('+', x.Clones)}")))));
        Assert.Equal("p/ROOT/b@s", state.Find("c")!.Origin);
    }

    /// <summary>
    /// A state read with the one before, from a splice after a promote: a BE whose only change is its origin is the one
    /// built before with the new origin; one that also changed otherwise is built again. Either way it is what a state
    /// read from nothing says.
    /// </summary>
    [Theory]
    [InlineData("origin only")]
    [InlineData("origin and description")]
    [InlineData("origin and a new child")]
    [InlineData("origin and a snapshot gone")]
    [InlineData("origin and a clone of its snapshot")]
    public void Read_WithTheStateBefore_ABeWhoseOriginAPromoteMoved_IsKeptOnlyWhenThatIsAllThatChanged(string change)
    {
        var latest = new PoolListing(Pool, [.. Latest.Datasets, Snap("p/ROOT/c@x", 0)]);
        var moves = new Dictionary<string, string> { ["p/ROOT/a@s"] = "p/ROOT/b@s" };
        List<ZfsDataset> read = [Fs("p/ROOT/a", "p/ROOT/b@s"), Fs("p/ROOT/b")];
        List<string> singles = ["p/ROOT/a", "p/ROOT/b"];
        switch (change)
        {
            case "origin and description":
                read.Add(Fs("p/ROOT/c", "p/ROOT/b@s") with { Description = "by hand" });
                singles.Add("p/ROOT/c");
                break;
            case "origin and a new child":
                read.AddRange([Fs("p/ROOT/c", "p/ROOT/b@s"), Fs("p/ROOT/c/opt")]);
                singles.AddRange(["p/ROOT/c", "p/ROOT/c/opt"]);
                break;
            case "origin and a snapshot gone":
                read.Add(Fs("p/ROOT/c", "p/ROOT/b@s"));
                singles.AddRange(["p/ROOT/c", "p/ROOT/c@x"]);
                break;
            case "origin and a clone of its snapshot":
                read.Add(Fs("p/ROOT/d", "p/ROOT/c@x"));
                singles.Add("p/ROOT/d");
                break;
        }
        var before = HostStateReader.Read(latest, DateTimeOffset.UnixEpoch);

        var spliced = ListingSplice.Splice(latest, new PoolListing(Pool, read), new ReadScope([], singles), moves);
        var state = HostStateReader.Read(spliced, DateTimeOffset.UnixEpoch, before);

        var whole = HostStateReader.Read(new PoolListing(spliced.Pool, [.. spliced.Datasets]), DateTimeOffset.UnixEpoch);
        Assert.Equal(JsonSerializer.Serialize(whole), JsonSerializer.Serialize(state));
        Assert.Equal("p/ROOT/b@s", state.Find("c")!.Origin);
        Assert.Equal(change == "origin only", ReferenceEquals(before.Find("c")!.Snapshots, state.Find("c")!.Snapshots));
    }

    [Fact]
    public void Splice_ARecordReadAsItWas_StaysTheOneKnown_AndAChangedOneIsTheRead()
    {
        var fresh = new PoolListing(Pool, [Fs("p/ROOT"), Fs("p/ROOT/a") with { Used = 9 }, Snap("p/ROOT/a@s", 2)]);

        var spliced = ListingSplice.Splice(Latest, fresh, TreeA);

        Assert.Same(Latest.Find("p/ROOT/a@s"), spliced.Find("p/ROOT/a@s"));
        Assert.Same(Latest.Find("p/ROOT"), spliced.Find("p/ROOT"));
        Assert.Same(fresh.Find("p/ROOT/a"), spliced.Find("p/ROOT/a"));
        Assert.Equal(Latest.Datasets.Select(d => d.Name), spliced.Datasets.Select(d => d.Name));
    }

    [Fact]
    public void Splice_AMoveTheReadFoundWhereItArrived_TakesTheRead()
    {
        var scope = new ReadScope([], ["p/ROOT/a", "p/ROOT/b", "p/ROOT/b@s"]);
        var arrived = Snap("p/ROOT/b@s", 2, guid: "p/ROOT/a@s") with { Used = 42 };
        var fresh = new PoolListing(Pool, [Fs("p/ROOT/a", "p/ROOT/b@s"), Fs("p/ROOT/b"), arrived]);

        var spliced = ListingSplice.Splice(Latest, fresh, scope, new Dictionary<string, string> { ["p/ROOT/a@s"] = "p/ROOT/b@s" });

        Assert.Equal(arrived, spliced.Find("p/ROOT/b@s"));
        Assert.Null(spliced.Find("p/ROOT/a@s"));
    }

    [Theory]
    [InlineData("stayed", "p/ROOT/a@s did not move to p/ROOT/b@s")]
    [InlineData("still a clone", "p/ROOT/b is still a clone of p/ROOT/a@s, which was to move to p/ROOT/b@s")]
    public void Contradiction_AReadShowingTheMoveDidNotHappen_SaysWhy(string how, string why)
    {
        ZfsDataset[] read = how == "stayed"
            ? [Fs("p/ROOT/a"), Fs("p/ROOT/b"), Snap("p/ROOT/a@s", 2)]
            : [Fs("p/ROOT/a"), Fs("p/ROOT/b", "p/ROOT/a@s")];

        Assert.Equal(why, ListingSplice.Contradiction(new PoolListing(Pool, read), new Dictionary<string, string> { ["p/ROOT/a@s"] = "p/ROOT/b@s" }));
    }

    [Fact]
    public void ReadScope_ATreeCoversItsChildrenAndSnapshots_ASingleOnlyItself()
    {
        var scope = new ReadScope(["p/ROOT/a", "p/ROOT/a/var"], ["p/ROOT", "p/ROOT/a/usr"]);

        Assert.Equal(["p/ROOT/a"], scope.Trees);
        Assert.Equal(["p/ROOT"], scope.Singles);
        Assert.True(scope.Covers("p/ROOT/a/var@s"));
        Assert.False(scope.Covers("p/ROOT/ab"));
        Assert.False(scope.Covers("p/ROOT@s"));
        Assert.False(scope.Covers("p/ROOT/b"));
    }

    [Fact]
    public void ReadScope_FileSystemsCoverTheFileSystemsBelow_NotTheirSnapshots()
    {
        var scope = new ReadScope(["p/ROOT/b"], ["p/ROOT/a/usr", "p/ROOT/a@s", "p/ROOT/b/var"], fileSystems: ["p/ROOT/a", "p/ROOT/a/var", "p/ROOT/b/x"]);

        Assert.Equal(["p/ROOT/a"], scope.FileSystems); // below another root, or inside a tree: read with it
        Assert.Equal(["p/ROOT/a@s"], scope.Singles); // a snapshot is read alone; a file system below a root with it
        Assert.True(scope.Covers("p/ROOT/a/var/log"));
        Assert.False(scope.Covers("p/ROOT/a/var@s"));
        Assert.True(scope.Covers("p/ROOT/a@s"));
        Assert.False(scope.Covers("p/ROOT/ab"));
        Assert.True(scope.Covers("p/ROOT/b/x@s"));
        Assert.Equal(["p/ROOT/a"], ReadScope.Union(scope, ReadScope.Empty).FileSystems);
    }

    [Fact]
    public void Splice_FileSystemsOnly_KeepsTheSnapshotsItDidNotRead()
    {
        var latest = new PoolListing(Pool, [Fs("p/ROOT/a"), Snap("p/ROOT/a@s1", 0), Snap("p/ROOT/a@s2", 0), Fs("p/ROOT/a/var")]);
        var scope = new ReadScope([], ["p/ROOT/a@s3"], fileSystems: ["p/ROOT/a"]);

        // A file system below the root is within the scope: gone is seen.
        Assert.Equal("p/ROOT/a/var is gone", ListingSplice.Disagreement(latest, new PoolListing(Pool, [Fs("p/ROOT/a")]), scope));
        var spliced = ListingSplice.Splice(latest, new PoolListing(Pool, [Fs("p/ROOT/a"), Fs("p/ROOT/a/var"), Snap("p/ROOT/a@s3", 0)]), scope);

        Assert.Equal(["p/ROOT/a", "p/ROOT/a/var", "p/ROOT/a@s1", "p/ROOT/a@s2", "p/ROOT/a@s3"], spliced.Datasets.Select(d => d.Name));
    }
}
