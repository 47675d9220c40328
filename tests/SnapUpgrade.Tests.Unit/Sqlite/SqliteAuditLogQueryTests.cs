using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteAuditLogQueryTests : IDisposable
{
    readonly TempDir _dir = new();
    readonly FakeClock _clock = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    SqliteAuditLog NewLog() => new(new SqliteDatabase(_dir.Combine("audit.db")), _clock);

    /// <summary>Row i at start + i minutes; actors, actions, outcomes and BEs vary with i.</summary>
    async Task<SqliteAuditLog> SeededAsync(int count)
    {
        var log = NewLog();
        for (var i = 1; i <= count; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            await log.AppendAsync(new AuditRecord
            {
                Actor = i % 3 == 0 ? "carol" : "alice", Role = "operator", Action = i % 2 == 0 ? "activate" : "create",
                Target = $"t{i % 4}", FromBe = $"f{i % 5}", ToBe = $"to{i % 7}",
                Outcome = i % 10 == 0 ? "failed" : "succeeded", DurationMs = i, DryRun = i % 4 == 1,
            }, Ct);
        }
        return log;
    }

    static DateTimeOffset Minute(int i) => new FakeClock().GetUtcNow().AddMinutes(i);

    [Fact]
    public async Task Query_Unfiltered_NewestFirstPagedWithTotal()
    {
        var log = await SeededAsync(25);

        var first = await log.QueryAsync(new AuditQuery(PageSize: 10), Ct);
        var third = await log.QueryAsync(new AuditQuery(Page: 3, PageSize: 10), Ct);
        var beyond = await log.QueryAsync(new AuditQuery(Page: 4, PageSize: 10), Ct);

        Assert.Equal(Enumerable.Range(16, 10).Reverse().Select(i => (long)i), first.Entries.Select(e => e.Id));
        Assert.Equal([5L, 4, 3, 2, 1], third.Entries.Select(e => e.Id));
        Assert.Empty(beyond.Entries);
        Assert.All([first, third, beyond], p => Assert.Equal(25, p.Total));
    }

    [Theory]
    [InlineData(0, 0, 1, 1)]
    [InlineData(-3, 10_000, 1, AuditQuery.MaxPageSize)]
    [InlineData(2, 7, 2, 7)]
    public async Task Query_PageAndSize_AreClamped(int page, int size, int expectedPage, int expectedSize)
    {
        var log = await SeededAsync(3);

        var result = await log.QueryAsync(new AuditQuery(Page: page, PageSize: size), Ct);

        Assert.Equal((expectedPage, expectedSize), (result.Page, result.PageSize));
        Assert.True(result.Entries.Count <= expectedSize);
    }

    [Fact]
    public async Task Query_ActorAndAction_MatchExactly()
    {
        var log = await SeededAsync(30);

        var carol = await log.QueryAsync(new AuditQuery(Actor: "carol", Action: "activate"), Ct);
        var prefix = await log.QueryAsync(new AuditQuery(Actor: "car"), Ct);

        Assert.Equal([30L, 24, 18, 12, 6], carol.Entries.Select(e => e.Id));
        Assert.Equal(5, carol.Total);
        Assert.Equal(0, prefix.Total);
    }

    [Fact]
    public async Task Query_Target_MatchesTargetOrFromOrTo()
    {
        var log = await SeededAsync(30);

        var result = await log.QueryAsync(new AuditQuery(Target: "to3", PageSize: 100), Ct);
        var asFrom = await log.QueryAsync(new AuditQuery(Target: "f2", PageSize: 100), Ct);

        Assert.Equal([24L, 17, 10, 3], result.Entries.Select(e => e.Id));
        Assert.All(asFrom.Entries, e => Assert.Equal("f2", e.FromBe));
        Assert.Equal(6, asFrom.Total);
    }

    [Fact]
    public async Task Query_OutcomeAndTimeRange_BothEndsInclusive()
    {
        var log = await SeededAsync(40);

        var result = await log.QueryAsync(new AuditQuery(From: Minute(10), To: Minute(30), Outcome: "failed"), Ct);

        Assert.Equal([30L, 20, 10], result.Entries.Select(e => e.Id));
        Assert.Equal(3, result.Total);
    }

    [Fact]
    public async Task Query_DryRun_SeparatesPlansFromRealRunsAndNullMeansBoth()
    {
        var log = await SeededAsync(20);

        var dry = await log.QueryAsync(new AuditQuery(DryRun: true), Ct);
        var real = await log.QueryAsync(new AuditQuery(Action: "activate", DryRun: false), Ct);
        var both = await log.QueryAsync(new AuditQuery(), Ct);

        Assert.Equal(5, dry.Total); // rows 1, 5, 9, 13, 17
        Assert.All(dry.Entries, e => Assert.True(e.DryRun));
        Assert.Equal(10, real.Total); // every even row is an activate, and none of them is a dry run
        Assert.All(real.Entries, e => Assert.False(e.DryRun));
        Assert.Equal(20, both.Total);
    }

    [Fact]
    public async Task Query_BlankFilters_MeanAny()
    {
        var log = await SeededAsync(4);

        var result = await log.QueryAsync(new AuditQuery(Actor: "", Action: " ", Target: null), Ct);

        Assert.Equal(4, result.Total);
    }

    [Fact]
    public async Task Stream_FilteredNewestFirst_AllMatchingRows()
    {
        var log = await SeededAsync(30);

        var streamed = new List<long>();
        await foreach (var e in log.StreamAsync(new AuditQuery(Outcome: "failed", PageSize: 1), Ct))
            streamed.Add(e.Id);

        Assert.Equal([30L, 20, 10], streamed); // paging does not apply to the stream
    }
}
