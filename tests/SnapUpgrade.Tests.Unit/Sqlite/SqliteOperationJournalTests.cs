using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteOperationJournalTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    SqliteOperationJournal NewJournal() => new(new SqliteDatabase(_dir.Combine("journal.db")));

    [Fact]
    public async Task Begin_ThenPending_ReturnsEveryFieldAsWritten()
    {
        var journal = NewJournal();
        var started = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 891, TimeSpan.FromHours(2));

        var id = await journal.BeginAsync(new JournalEntry
        {
            Action = "activate", Target = "be2", FromBe = "be1", ToBe = "be2",
            Plan = "zfs promote rpool/ROOT/be2\nzpool set bootfs=rpool/ROOT/be2 rpool", Started = started,
        }, Ct);

        var row = Assert.Single(await journal.PendingAsync(Ct));
        Assert.Equal(id, row.Id);
        Assert.Equal(("activate", "be2", "be1", "be2"), (row.Action, row.Target, row.FromBe, row.ToBe));
        Assert.Equal("zfs promote rpool/ROOT/be2\nzpool set bootfs=rpool/ROOT/be2 rpool", row.Plan);
        Assert.Equal(started, row.Started); // same instant, to the millisecond
        Assert.Null(row.Finished);
        Assert.Null(row.Outcome);
    }

    [Fact]
    public async Task Complete_RemovesFromPendingAndRecordsOutcome()
    {
        var journal = NewJournal();
        var first = await journal.BeginAsync(new JournalEntry { Action = "create", Target = "a" }, Ct);
        var second = await journal.BeginAsync(new JournalEntry { Action = "activate", Target = "b" }, Ct);
        var third = await journal.BeginAsync(new JournalEntry { Action = "destroy", Target = "c" }, Ct);

        await journal.CompleteAsync(second, new JournalCompletion(Outcome.Failed, "zfs promote: dataset is busy"), Ct);

        Assert.Equal([first, third], (await journal.PendingAsync(Ct)).Select(e => e.Id));
        var done = (await journal.RecentAsync(10, Ct)).Single(e => e.Id == second);
        Assert.Equal(("failed", "zfs promote: dataset is busy"), (done.Outcome, done.Message));
        Assert.NotNull(done.Finished);
        Assert.True(done.Finished >= done.Started);
    }

    [Fact]
    public async Task Begin_WithoutStarted_StampsNow()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var journal = NewJournal();

        await journal.BeginAsync(new JournalEntry { Action = "create" }, Ct);

        var started = Assert.Single(await journal.PendingAsync(Ct)).Started;
        Assert.InRange(started, before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Recent_NewestFirstAndLimited()
    {
        var journal = NewJournal();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
            ids.Add(await journal.BeginAsync(new JournalEntry { Action = $"op{i}" }, Ct));

        var recent = await journal.RecentAsync(3, Ct);

        Assert.Equal([ids[4], ids[3], ids[2]], recent.Select(e => e.Id));
    }

    [Fact]
    public async Task Complete_Twice_Throws()
    {
        var journal = NewJournal();
        var id = await journal.BeginAsync(new JournalEntry { Action = "create" }, Ct);
        await journal.CompleteAsync(id, new JournalCompletion(Outcome.Succeeded, null), Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => journal.CompleteAsync(id, new JournalCompletion(Outcome.Succeeded, null), Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => journal.CompleteAsync(id + 100, new JournalCompletion(Outcome.Succeeded, null), Ct));
    }

    [Fact]
    public async Task Pending_SurvivesReopeningTheFile()
    {
        var path = _dir.Combine("journal.db");
        var id = await new SqliteOperationJournal(new SqliteDatabase(path))
            .BeginAsync(new JournalEntry { Action = "activate", ToBe = "be2" }, Ct);

        // a new process: new database object, new journal, nothing shared in memory
        var reopened = new SqliteOperationJournal(new SqliteDatabase(path));

        var pending = Assert.Single(await reopened.PendingAsync(Ct));
        Assert.Equal((id, "be2"), (pending.Id, pending.ToBe));
        await reopened.CompleteAsync(id, new JournalCompletion(Outcome.Interrupted, "bootfs already rpool/ROOT/be2"), Ct);
        Assert.Empty(await new SqliteOperationJournal(new SqliteDatabase(path)).PendingAsync(Ct));
    }

    [Fact]
    public async Task Pending_OnFreshFile_IsEmpty()
    {
        Assert.Empty(await NewJournal().PendingAsync(Ct));
        Assert.Empty(await NewJournal().RecentAsync(5, Ct));
    }
}
