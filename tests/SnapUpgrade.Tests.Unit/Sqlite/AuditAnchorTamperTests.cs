using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Infra.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Sqlite.AuditLogFixture;

namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>
/// Tampering as an attacker with the database file would do it: a raw SQLite connection that drops
/// the append-only triggers. The chain alone catches an edited or a removed middle row; rows cut off
/// the end and an older copy of the file put back verify as intact without the pool's anchor, and
/// are reported with it, naming what is missing.
/// </summary>
public sealed class AuditAnchorTamperTests : IDisposable
{
    const string Pool = "rpool";
    const string DropGuards = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;";

    readonly TempDir _dir = new();
    readonly SimulatedZfs _zfs = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public AuditAnchorTamperTests() => _zfs.CreatePool(Pool);

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("audit.db");

    /// <summary>A log whose heads go to the pool, as the console composes it.</summary>
    (SqliteAuditLog Log, AuditAnchorWriter Anchor) Anchored(string? path = null)
    {
        var anchor = new AuditAnchorWriter();
        anchor.Attach(new ZfsAuditAnchor(_zfs, Pool), writes: true);
        return (new SqliteAuditLog(new SqliteDatabase(path ?? DbPath), anchor: anchor), anchor);
    }

    /// <summary>The same file read without the anchor: what verification saw before it existed.</summary>
    SqliteAuditLog Unanchored() => new(new SqliteDatabase(DbPath));

    async Task<SqliteAuditLog> AnchoredWithRowsAsync(int count) => (await AnchoredWithRowsAndWriterAsync(count)).Log;

    async Task<(SqliteAuditLog Log, AuditAnchorWriter Anchor)> AnchoredWithRowsAndWriterAsync(int count)
    {
        var (log, anchor) = Anchored();
        for (var i = 1; i <= count; i++)
            await log.AppendAsync(Record(i), Ct);
        await anchor.FlushAsync();
        return (log, anchor);
    }

    [Fact]
    public async Task Anchor_AfterAppends_IsTheLastRowOnThePoolRoot()
    {
        var log = await AnchoredWithRowsAsync(5);

        var property = (await _zfs.ListAsync(Pool, Ct)).Find(Pool)!.AuditHead;
        var head = AuditHead.Parse(property);
        Assert.NotNull(head);
        Assert.Equal(await log.HeadAsync(Ct), head);
        Assert.Equal(5, head.Position);
        var verification = await log.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Contains("anchor (row 5) matches", verification.Message);
    }

    [Fact]
    public async Task EditedRow_IsReported()
    {
        var log = await AnchoredWithRowsAsync(6);
        await RawExecuteAsync(DbPath, DropGuards + "UPDATE audit_log SET actor = 'mallory' WHERE id = 3;");

        var verification = await log.VerifyAsync(Ct);

        Assert.False(verification.Intact);
        Assert.Equal(3, verification.FirstBadId);
        Assert.Contains("Row 3 was changed", verification.Message);
    }

    [Fact]
    public async Task DeletedMiddleRow_IsReported()
    {
        var log = await AnchoredWithRowsAsync(6);
        await RawExecuteAsync(DbPath, DropGuards + "DELETE FROM audit_log WHERE id = 4;");

        var verification = await log.VerifyAsync(Ct);

        Assert.False(verification.Intact);
        Assert.Equal(5, verification.FirstBadId);
        Assert.Contains("row 4 is missing", verification.Message);
    }

    [Fact]
    public async Task LastRowsDeleted_VerifyIntactWithoutTheAnchor_AndAreReportedWithIt()
    {
        var log = await AnchoredWithRowsAsync(10);
        var anchored = (await log.HeadAsync(Ct))!;
        await RawExecuteAsync(DbPath, DropGuards + "DELETE FROM audit_log WHERE id > 7;");

        var chainAlone = await Unanchored().VerifyAsync(Ct);
        var withAnchor = await log.VerifyAsync(Ct);

        Assert.True(chainAlone.Intact, chainAlone.Message);
        Assert.False(withAnchor.Intact);
        Assert.Equal(8, withAnchor.FirstBadId);
        Assert.Contains($"anchor names row 10 (hash {anchored.Hash[..16]}", withAnchor.Message);
        Assert.Contains("the database ends at row 7: rows 8 to 10 are missing", withAnchor.Message);
    }

    [Fact]
    public async Task OlderCopyPutBack_VerifiesIntactWithoutTheAnchor_AndIsReportedWithIt()
    {
        var (log, anchor) = await AnchoredWithRowsAndWriterAsync(4);
        var older = _dir.Combine("older.db");
        File.Copy(DbPath, older); // no connection is open: the WAL is checkpointed into the file
        for (var i = 5; i <= 9; i++)
            await log.AppendAsync(Record(i), Ct);
        await anchor.FlushAsync();
        File.Copy(older, DbPath, overwrite: true);

        var chainAlone = await Unanchored().VerifyAsync(Ct);
        var withAnchor = await log.VerifyAsync(Ct);

        Assert.True(chainAlone.Intact, chainAlone.Message);
        Assert.Equal(4, chainAlone.RowsChecked);
        Assert.False(withAnchor.Intact);
        Assert.Equal(5, withAnchor.FirstBadId);
        Assert.Contains("anchor names row 9", withAnchor.Message);
        Assert.Contains("rows 5 to 9 are missing", withAnchor.Message);
    }

    [Fact]
    public async Task OlderCopyPutBackAndWrittenPastTheAnchor_IsReportedAtTheAnchoredRow()
    {
        var (log, anchor) = Anchored();
        for (var i = 1; i <= 3; i++)
            await log.AppendAsync(Record(i), Ct);
        var older = _dir.Combine("older.db");
        File.Copy(DbPath, older);
        for (var i = 4; i <= 5; i++)
            await log.AppendAsync(Record(i), Ct);
        await anchor.FlushAsync();
        File.Copy(older, DbPath, overwrite: true);
        // Written to since, through a log that does not anchor (or the anchor would move on).
        for (var i = 4; i <= 6; i++)
            await Unanchored().AppendAsync(Record(i, actor: "mallory"), Ct);

        var verification = await log.VerifyAsync(Ct);

        Assert.False(verification.Intact);
        Assert.Equal(5, verification.FirstBadId);
        Assert.Contains("anchor names row 5 with hash", verification.Message);
    }

    [Fact]
    public async Task AnotherDatabase_IsReportedAsAnother()
    {
        await AnchoredWithRowsAsync(3);
        var other = _dir.Combine("other.db");
        var (otherLog, _) = Anchored(other);
        var stranger = new SqliteAuditLog(new SqliteDatabase(other));
        await stranger.AppendAsync(Record(1), Ct); // not anchored: the pool still names the first database
        File.Copy(other, DbPath, overwrite: true);

        var verification = await otherLog.VerifyAsync(Ct);

        Assert.False(verification.Intact);
        Assert.Null(verification.FirstBadId);
        Assert.Contains("another audit database", verification.Message);
    }

    [Fact]
    public async Task Writer_NeverMovesTheAnchorBack_AndAStandbyOnlyReads()
    {
        var log = await AnchoredWithRowsAsync(3);
        var head = (await log.HeadAsync(Ct))!;
        var writer = new AuditAnchorWriter();
        var anchor = new ZfsAuditAnchor(_zfs, Pool);
        writer.Attach(anchor, writes: true);

        writer.Post(head with { Position = 5, Hash = "e5" });
        writer.Post(head with { Position = 4, Hash = "e4" });
        await writer.FlushAsync();
        var standby = new AuditAnchorWriter();
        standby.Attach(anchor, writes: false);
        standby.Post(head with { Position = 9, Hash = "e9" });
        await standby.FlushAsync();

        Assert.Equal(head with { Position = 5, Hash = "e5" }, await anchor.ReadAsync(Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("-")]
    [InlineData("abc:0:ff")]
    [InlineData("abc:-3:ff")]
    [InlineData("abc:7")]
    [InlineData("abc:7:ff:extra")]
    public void Parse_AnythingButTheAnchorForm_IsNull(string? text) => Assert.Null(AuditHead.Parse(text));

    [Fact]
    public void Parse_ReadsWhatToStringWrites()
    {
        var head = new AuditHead("0a1b", 57, new string('c', 64));

        Assert.Equal(head, AuditHead.Parse(head.ToString()));
        Assert.Equal($"0a1b:57:{new string('c', 64)}", head.ToString());
    }
}
