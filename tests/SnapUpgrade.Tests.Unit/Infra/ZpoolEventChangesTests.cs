using System.Runtime.CompilerServices;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Infra.ZpoolEventReaderTests;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>What <c>zpool events -f</c> says changed, and the events already buffered at start skipped by number.</summary>
public sealed class ZpoolEventChangesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("snapshot", "su1/ROOT/be1@hand")]
    [InlineData("set", "su1/ROOT/be1")]
    [InlineData("inherit", "su1/ROOT/be1/var")]
    [InlineData("hold", "su1/ROOT/be1@keep")]
    public void Change_AHistoryEventConfinedToItsDataset_NamesIt(string name, string dataset)
    {
        var change = ZpoolEventChanges.Change(ZpoolEventReader.ReadAll(History(5, name, dataset))[0], seen: 4);

        Assert.Equal([dataset], change!.Datasets);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(0x6951ce43).AddTicks(1234567), change.At);
    }

    [Theory]
    [InlineData("create")]
    [InlineData("destroy")]
    [InlineData("rename")]
    [InlineData("clone")]
    [InlineData("promote")]
    [InlineData("receive")]
    public void Change_AHistoryEventThatMovesDatasets_MayHaveChangedAnything(string name)
    {
        var change = ZpoolEventChanges.Change(ZpoolEventReader.ReadAll(History(5, name, "su1/ROOT/be2"))[0], seen: 4);

        Assert.False(change!.IsConfined);
    }

    [Fact]
    public void Change_BufferedBeforeTheStart_IsNone()
    {
        var read = ZpoolEventReader.ReadAll(History(5, "destroy", "su1/ROOT/be2"))[0];

        Assert.Null(ZpoolEventChanges.Change(read, seen: 5));
        Assert.NotNull(ZpoolEventChanges.Change(read, seen: 4));
    }

    [Fact]
    public void Change_FaultReportsDroppedEventsAndOtherEvents()
    {
        Assert.Null(ZpoolEventChanges.Change(new ZpoolEvent("ereport.fs.zfs.checksum", 9), seen: 0));
        Assert.False(ZpoolEventChanges.Change(new ZpoolEvent(ZpoolEvent.DroppedClass), seen: 100)!.IsConfined);
        Assert.False(ZpoolEventChanges.Change(new ZpoolEvent("sysevent.fs.zfs.config_sync", 9), seen: 0)!.IsConfined);
        Assert.False(ZpoolEventChanges.Change(new ZpoolEvent("resource.fs.zfs.statechange", 9), seen: 0)!.IsConfined);
    }

    [Fact]
    public async Task FollowAsync_TheBufferReplayed_SkipsWhatWasThereAndReportsWhatCameAfter()
    {
        var buffered = History(1, "create", "su1/ROOT") + History(2, "snapshot", "su1/ROOT/be1@old");
        var runner = new FakeProcessRunner().Answer("zpool events -H -v su1", 0, buffered);
        IReadOnlyList<string>? followed = null;
        async IAsyncEnumerable<string> Lines(IReadOnlyList<string> argv, [EnumeratorCancellation] CancellationToken ct)
        {
            followed = argv;
            // The follower is handed the whole buffer first, then what happens afterwards.
            foreach (var line in (buffered + History(3, "snapshot", "su1/ROOT/be1@new") + History(4, "destroy", "su1/ROOT/be9")).Split('\n'))
                yield return line;
            await Task.Yield();
        }
        var changes = new ZpoolEventChanges("su1", runner, Lines);

        var seen = new List<HostChange>();
        await foreach (var change in changes.FollowAsync(Ct)) seen.Add(change);

        Assert.Equal(["zpool", "events", "-f", "-H", "-v", "su1"], followed);
        Assert.Equal(3, seen.Count);
        Assert.True(seen[0].IsResumed);
        Assert.Equal(["su1/ROOT/be1@new"], seen[1].Datasets);
        Assert.False(seen[2].IsConfined);
    }

    [Fact]
    public async Task FollowAsync_NoZpoolEvents_Throws()
    {
        // zfs-fuse's zpool: the composition never follows it (EventStream false), and a follower that cannot start says why.
        var runner = new FakeProcessRunner().Answer("zpool events", 2, "", "unrecognized command 'events'\n");
        var changes = new ZpoolEventChanges("su1", runner, (_, _) => throw new InvalidOperationException("never followed"));

        var error = await Assert.ThrowsAsync<ZfsCommandException>(async () =>
        {
            await foreach (var _ in changes.FollowAsync(Ct)) { }
        });

        Assert.Equal(2, error.ExitCode);
    }
}
