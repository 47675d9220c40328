using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Scenarios.Lab;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Issue 13: an operation reads what it touches, not the pool. The engine keeps its last listing and
/// splices in what each operation read before and after it ran. Every scenario here runs with the lab's
/// known-state check on (on every backend, OpenZFS too): after each operation what the engine knows
/// must be what a whole listing shows, including what zfs changed beyond the operation's datasets (a
/// promote or a rename renames the origin of every clone of what it moved). And a host changed behind
/// the console's back is still caught before anything is done.
/// </summary>
public abstract class KnownState<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    private async Task StartKnowingAsync()
    {
        Lab.ChecksKnownState = true;
        await Lab.StateAsync(); // the engine's first listing, as the watcher's first read gives it
    }

    [Fact]
    public async Task Operations_OnAKnownHost_ListNothingAndKnowWhatTheyChanged()
    {
        await StartKnowingAsync();
        var listings = Lab.Faults.Listings;
        var reads = Lab.Faults.ScopedReads;

        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        await Lab.MustAsync(new SnapshotBe("be2", "s1"));
        await Lab.MustAsync(new RenameBe("be2", "be3"));
        await Lab.MustAsync(new MountBe("be3", "/mnt/be3"));
        await Lab.MustAsync(new UnmountBe("be3"));
        await Lab.MustAsync(new DestroyBe("be3"));

        Assert.Equal(listings, Lab.Faults.Listings);
        Assert.Equal(reads + 16, Lab.Faults.ScopedReads); // one before and one after each of the 8
    }

    [Fact]
    public async Task ActivateAndBack_OnAHostWhereEveryBeHasSnapshots_ListNothing()
    {
        for (var i = 2; i <= 6; i++) await Lab.MustAsync(new CreateBe($"be{i}"));
        for (var s = 1; s <= 3; s++)
            await Lab.Host.Zfs.ExecuteAsync(new ZfsSnapshot($"{Lab.Host.Pool}/ROOT@kept-{s}", recursive: true));
        await StartKnowingAsync();
        var listings = Lab.Faults.Listings;

        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        await Lab.MustAsync(new ActivateBe("be2"));

        Assert.Equal(listings, Lab.Faults.Listings);
    }

    /// <summary>
    /// The booted BE of a host that makes a BE per update holds a snapshot for each: a create from it reads
    /// its file systems and the snapshot it takes, and an activation the snapshots its promotes move (here
    /// the one be2 was made from, there and back), never the others (issue 13: on zfs-fuse every dataset
    /// read costs about a millisecond).
    /// </summary>
    [Fact]
    public async Task CreateActivateAndBack_ReadNoneOfTheBootedBesOtherSnapshots()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        for (var s = 1; s <= 12; s++) await Lab.MustAsync(new SnapshotBe("be1", $"later-{s}"));
        await StartKnowingAsync();
        var listings = Lab.Faults.Listings;
        var before = Lab.Faults.SnapshotsRead.Count;

        await Lab.MustAsync(new CreateBe("be3"));
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));

        Assert.Equal(listings, Lab.Faults.Listings);
        var read = Lab.Faults.SnapshotsRead.Skip(before).ToList();
        var origin = (await Lab.StateAsync()).Find("be2")!.Origin!;
        Assert.Contains(origin, read);
        Assert.All(read, name => Assert.DoesNotContain("@later-", name, StringComparison.Ordinal));
    }

    /// <summary>
    /// A new BE is read whole before its activation (it holds fewer datasets than its promote brings), not asked for
    /// each name the promote brings (<see cref="Scopes.Promoted"/>): a snapshot made there by hand under one of them is
    /// still found before anything is done, and the plan is made on a whole listing.
    /// </summary>
    [Fact]
    public async Task SnapshotMadeByHand_UnderANameThePromoteBrings_IsFoundBeforeTheActivation()
    {
        await Lab.MustAsync(new SnapshotBe("be1", "early"));
        await Lab.MustAsync(new CreateBe("be2"));
        await StartKnowingAsync();
        var state = await Lab.StateAsync();
        var be2 = state.Find("be2")!;
        Assert.Contains($"{be2.Dataset}@early", Scopes.PromotedMoves(state, "be2").Moves.Values);
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSnapshot($"{be2.Dataset}@early")); // by hand
        var listings = Lab.Faults.Listings;

        var result = await Lab.RunAsync(new ActivateBe("be2"));

        Assert.Equal(listings + 1, Lab.Faults.Listings); // the read before found it new
        Assert.Equal(Outcome.Failed, result.Outcome); // zfs will not bring a second be2@early
        var listing = await Lab.Host.Zfs.ListAsync(Lab.Host.Pool);
        Assert.Equal(state.Bootfs, listing.Pool.Bootfs);
        Assert.Equal(be2.Origin, listing.Find(be2.Dataset)!.Origin);
    }

    [Fact]
    public async Task Activate_ABeWhoseSiblingsShareItsOrigin_KnowsTheSiblingsNewOrigin()
    {
        await Lab.MustAsync(new SnapshotBe("be1", "base"));
        foreach (var be in new[] { "be2", "be3", "be4" }) await Lab.MustAsync(new CreateBe(be, Source: "be1@base"));
        await StartKnowingAsync();

        // be3 takes over be1@base, so be2 and be4 (beyond the activation's datasets) now hang off be3@base.
        await Lab.MustAsync(new ActivateBe("be3"));

        var state = await Lab.StateAsync();
        Assert.All(new[] { "be2", "be4" }, be => Assert.Equal($"{state.Find("be3")!.Dataset}@base", state.Find(be)!.Origin));
    }

    [Fact]
    public async Task Rename_ABeWithAClone_KnowsTheClonesNewOrigin()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new SnapshotBe("be2", "s1"));
        await Lab.MustAsync(new CreateBe("be3", Source: "be2@s1"));
        await StartKnowingAsync();

        await Lab.MustAsync(new RenameBe("be2", "renamed"));
        await Lab.MustAsync(new DestroyBe("renamed"));

        var state = await Lab.StateAsync();
        Assert.Null(state.Find("renamed"));
        Assert.NotNull(state.Find("be3"));
    }

    [Fact]
    public async Task CloneMadeByHand_OfAKnownSnapshot_IsFoundBeforeTheDestroyAndSurvivesIt()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new SnapshotBe("be2", "s1"));
        await StartKnowingAsync();
        var be2 = (await Lab.StateAsync()).Find("be2")!.Dataset;
        // By hand, behind the console's back: only zfs's clone count of be2@s1 tells the engine.
        var hand = $"{Lab.Host.Pool}/ROOT/byhand";
        await Lab.Host.Zfs.ExecuteAsync(new ZfsClone($"{be2}@s1", hand));

        await Lab.MustAsync(new DestroyBe("be2"));

        var listing = await Lab.Host.Zfs.ListAsync(Lab.Host.Pool);
        Assert.Null(listing.Find(be2));
        // Promoted away first, as a plan made on a whole listing does: it no longer hangs off be2.
        Assert.DoesNotContain($"{be2}@", listing.Find(hand)?.Origin ?? "", StringComparison.Ordinal);
        Assert.NotNull(listing.Find(hand));
    }

    [Fact]
    public async Task ChangesByHand_InsideTheOperationsDatasets_AreCaughtBeforeAnythingIsDone()
    {
        await Lab.MustAsync(new CreateBe("kept"));
        await StartKnowingAsync();
        var kept = (await Lab.StateAsync()).Find("kept")!.Dataset;
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSet(kept, UserProperties.Keep, "on"));
        await Lab.Host.Zfs.ExecuteAsync(new ZfsCreate($"{Lab.Host.Pool}/ROOT/taken", new Dictionary<string, string> { ["canmount"] = "noauto" }));
        var before = await Lab.ListingAsync();

        var destroy = await Lab.RunAsync(new DestroyBe("kept"));
        var create = await Lab.RunAsync(new CreateBe("taken"));

        Assert.Equal((Outcome.Refused, ErrorCode.BeIsKept), (destroy.Outcome, destroy.Error?.Code));
        Assert.Equal((Outcome.Refused, ErrorCode.AlreadyExists), (create.Outcome, create.Error?.Code));
        Assert.Equal(before, await Lab.ListingAsync());
    }
}

public sealed class KnownStateOnSimulator : KnownState<Simulated>;
public sealed class KnownStateOnZfsFuse : KnownState<ZfsFuse>;
