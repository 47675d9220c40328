using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Sqlite.AuditLogFixture;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteAuditLogChainTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("audit.db");

    SqliteAuditLog NewLog(TimeProvider? clock = null) => new(new SqliteDatabase(DbPath), clock);

    async Task<SqliteAuditLog> WithRowsAsync(int count)
    {
        var log = NewLog();
        for (var i = 1; i <= count; i++)
            await log.AppendAsync(Record(i), Ct);
        return log;
    }

    [Fact]
    public async Task Append_StoresEveryFieldWithTimeAndChain()
    {
        var clock = new FakeClock();
        var log = NewLog(clock);
        var record = Record(1) with { DryRun = true, ErrorCode = "Busy", Outcome = "refused" };

        var first = await log.AppendAsync(record, Ct);
        var second = await log.AppendAsync(Record(2), Ct);

        Assert.Equal((1L, AuditChain.Genesis), (first.Id, first.PreviousHash));
        Assert.Equal((2L, first.Hash), (second.Id, second.PreviousHash));
        Assert.Equal(clock.GetUtcNow(), first.Time);
        Assert.Matches("^[0-9a-f]{64}$", first.Hash);
        var stored = (await log.QueryAsync(new AuditQuery(), Ct)).Entries.Single(e => e.Id == 1);
        Assert.Equal(first, stored);
        Assert.Equal((true, "Busy", "refused", "10.0.0.7"), (stored.DryRun, stored.ErrorCode, stored.Outcome, stored.Source));
    }

    [Fact]
    public async Task Verify_AfterManyAppends_IsIntact()
    {
        var log = await WithRowsAsync(50);

        var result = await log.VerifyAsync(Ct);

        Assert.True(result.Intact, result.Message);
        Assert.Equal(50, result.RowsChecked);
        Assert.Null(result.FirstBadId);
    }

    [Fact]
    public async Task Verify_EmptyLog_IsIntact()
    {
        var result = await NewLog().VerifyAsync(Ct);

        Assert.Equal((true, 0L), (result.Intact, result.RowsChecked));
    }

    [Fact]
    public async Task UpdateAndDelete_WithGuardsInPlace_AreRefusedByTheDatabase()
    {
        await WithRowsAsync(3);

        var update = await Assert.ThrowsAsync<SqliteException>(
            () => RawExecuteAsync(DbPath, "UPDATE audit_log SET message = 'nothing happened' WHERE id = 2;"));
        var delete = await Assert.ThrowsAsync<SqliteException>(
            () => RawExecuteAsync(DbPath, "DELETE FROM audit_log WHERE id = 2;"));

        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.Message, StringComparison.Ordinal);
        Assert.True((await NewLog().VerifyAsync(Ct)).Intact);
    }

    [Fact]
    public async Task Verify_EditedRow_NamesThatRow()
    {
        var log = await WithRowsAsync(30);

        await RawExecuteAsync(DbPath, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'failed' WHERE id = 17;");
        var result = await log.VerifyAsync(Ct);

        Assert.False(result.Intact);
        Assert.Equal(17, result.FirstBadId);
        Assert.Equal(16, result.RowsChecked);
        Assert.Contains("Row 17 was changed", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EditedRowWithRecomputedHash_NamesTheNextRow()
    {
        // Someone who knows the hash function rewrites row 17 consistently: row 18 no longer links to it.
        var log = await WithRowsAsync(30);
        var row = (await log.QueryAsync(new AuditQuery(Page: 1, PageSize: 500), Ct)).Entries.Single(e => e.Id == 17);
        var forged = row with { Actor = "mallory" };
        forged = forged with { Hash = AuditChain.Hash(forged) };

        await RawExecuteAsync(DbPath,
            $"DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory', hash = '{forged.Hash}' WHERE id = 17;");
        var result = await log.VerifyAsync(Ct);

        Assert.Equal((false, 18L), (result.Intact, result.FirstBadId));
        Assert.Contains("does not follow row 17", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedRow_NamesTheRowAfterIt()
    {
        var log = await WithRowsAsync(50);

        await RawExecuteAsync(DbPath, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 41;");
        var result = await log.VerifyAsync(Ct);

        Assert.Equal((false, 42L, 40L), (result.Intact, result.FirstBadId, result.RowsChecked));
        Assert.Contains("the row before 42 was removed", result.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Verify_DeletedFirstRow_IsCaught()
    {
        var log = await WithRowsAsync(5);

        await RawExecuteAsync(DbPath, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id = 1;");
        var result = await log.VerifyAsync(Ct);

        Assert.Equal((false, 2L), (result.Intact, result.FirstBadId));
    }

    [Fact]
    public async Task Append_From20TasksAtOnce_KeepsOneUnbrokenChain()
    {
        // A SqliteAuditLog per task, each with its own SqliteDatabase: nothing shared in memory,
        // as with two processes; only SQLite's write lock orders them.
        var appended = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => Task.Run(async () =>
        {
            var rows = new List<AuditEntry>();
            for (var j = 0; j < 5; j++)
                rows.Add(await NewLog().AppendAsync(Record(i * 100 + j, actor: $"user{i}"), Ct));
            return rows;
        }, Ct)));

        var result = await NewLog().VerifyAsync(Ct);
        Assert.True(result.Intact, result.Message);
        Assert.Equal(100, result.RowsChecked);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), appended.SelectMany(r => r).Select(e => e.Id).Order());
        await using var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        Assert.Equal(100L, await raw.ExecuteScalarAsync<long>("SELECT count(DISTINCT prev_hash) FROM audit_log;"));
    }
}
