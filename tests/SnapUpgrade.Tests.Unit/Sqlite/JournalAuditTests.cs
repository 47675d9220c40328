using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Sqlite.AuditLogFixture;

namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>
/// The journal and the audit log in one file agree: the journal records who asked, refuses to begin
/// when the audit log cannot take a row, and writes the operation's audit row with its completion,
/// in one transaction (both or neither).
/// </summary>
public sealed class JournalAuditTests : IDisposable
{
    // What a full disk answers, made real by SQLite itself: every insert into audit_log is refused.
    const string AuditLogFull = "CREATE TRIGGER audit_log_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;";

    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("console.db");
    IOperationJournal Journal => new SqliteOperationJournal(new SqliteDatabase(DbPath));
    SqliteAuditLog Audit => new(new SqliteDatabase(DbPath));

    static JournalEntry Create(string be) => new()
    {
        Action = "create", Target = be, Plan = $"zfs clone rpool/ROOT/be1@x rpool/ROOT/{be}",
        Actor = "alice", Role = "operator", Source = "10.0.0.7",
    };

    [Fact]
    public async Task Begin_RecordsTheActor()
    {
        var id = await Journal.BeginAsync(Create("be2"), Ct);

        var row = Assert.Single(await Journal.PendingAsync(Ct));
        Assert.Equal((id, "alice", "operator", "10.0.0.7"), (row.Id, row.Actor, row.Role, row.Source));
    }

    [Fact]
    public async Task Complete_WritesTheOperationsOneAuditRowNamingTheActor()
    {
        await Audit.AppendAsync(Record(1), Ct);
        var id = await Journal.BeginAsync(Create("be2"), Ct);

        await Journal.CompleteAsync(id, new JournalCompletion(Outcome.Failed, "zfs clone: out of space", ErrorCode.OperationFailed), Ct);

        var rows = (await Audit.QueryAsync(new AuditQuery(Action: "create"), Ct)).Entries;
        var row = Assert.Single(rows);
        Assert.Equal(("alice", "operator", "10.0.0.7"), (row.Actor, row.Role, row.Source));
        Assert.Equal(("be2", "failed", "OperationFailed", "zfs clone: out of space"), (row.Target, row.Outcome, row.ErrorCode, row.Message));
        Assert.Equal(2, row.Id); // next in the chain
        Assert.Empty(await Journal.UnauditedAsync(Ct));
        var verification = await Audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(2, verification.RowsChecked);
    }

    [Fact]
    public async Task Complete_OfARowWithoutActor_NamesTheSystem()
    {
        var id = await Journal.BeginAsync(new JournalEntry { Action = "mount", Target = "be2" }, Ct);

        await Journal.CompleteAsync(id, Outcome.Interrupted, "undone at start", Ct);

        var row = Assert.Single((await Audit.QueryAsync(new AuditQuery(), Ct)).Entries);
        Assert.Equal(("system", "admin", "interrupted"), (row.Actor, row.Role, row.Outcome));
    }

    [Fact]
    public async Task Begin_WhenTheAuditLogCannotTakeARow_ThrowsAndWritesNothing()
    {
        await Audit.AppendAsync(Record(1), Ct);
        await RawExecuteAsync(DbPath, AuditLogFull);

        var error = await Assert.ThrowsAsync<SqliteException>(() => Journal.BeginAsync(Create("be2"), Ct));

        Assert.Contains("disk is full", error.Message);
        Assert.Empty(await Journal.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task Complete_WhenTheAuditRowCannotBeWritten_LeavesTheJournalRowPending()
    {
        var id = await Journal.BeginAsync(Create("be2"), Ct);
        await RawExecuteAsync(DbPath, AuditLogFull);

        await Assert.ThrowsAsync<SqliteException>(() => Journal.CompleteAsync(id, new JournalCompletion(Outcome.Succeeded, null), Ct));

        var pending = Assert.Single(await Journal.PendingAsync(Ct)); // the next start finishes it, and writes its row
        Assert.Equal(id, pending.Id);
        Assert.Equal(0, (await Audit.QueryAsync(new AuditQuery(), Ct)).Total);
    }

    [Fact]
    public async Task Verify_CountsRunningOperationsApart()
    {
        await Audit.AppendAsync(Record(1), Ct);
        await Journal.BeginAsync(Create("be2"), Ct);

        var verification = await Audit.VerifyAsync(Ct);

        Assert.True(verification.Intact, verification.Message);
        Assert.Equal((1L, 1L), (verification.RowsChecked, verification.Running));
        Assert.Contains("1 operation(s) still running", verification.Message);
    }
}
