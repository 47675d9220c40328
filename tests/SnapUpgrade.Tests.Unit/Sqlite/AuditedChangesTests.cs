using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Sqlite.AuditLogFixture;

namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>Admin changes (pages and CLI): one audit row per attempt, on a real audit database; none runs unaudited.</summary>
public sealed class AuditedChangesTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;
    static readonly Actor Admin = new("cli:root", Role.Admin, "local");

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("console.db");
    SqliteAuditLog Audit => new(new SqliteDatabase(DbPath));

    async Task<AuditEntry> OnlyRowAsync() => Assert.Single((await Audit.QueryAsync(new AuditQuery(), Ct)).Entries);

    [Fact]
    public async Task Accepted_OneSucceededRowNamingTheActor_AndTheChainVerifies()
    {
        var ran = false;
        var refusal = await new AuditedChanges(Audit).RunAsync(Admin, "user-add", "carol", () => { ran = true; return Task.CompletedTask; }, Ct);

        var row = await OnlyRowAsync();
        Assert.Equal((true, (string?)null), (ran, refusal));
        Assert.Equal(("cli:root", "admin", "local", "user-add", "carol", "succeeded"),
            (row.Actor, row.Role, row.Source, row.Action, row.Target, row.Outcome));
        Assert.True((await Audit.VerifyAsync(Ct)).Intact);
    }

    [Fact]
    public async Task Refused_ReturnsTheReason_AndRecordsARefusal()
    {
        var refusal = await new AuditedChanges(Audit).RunAsync(Admin, "token-revoke", "ci",
            () => throw new AccountException("There is no token 'ci' to revoke."), Ct);

        var row = await OnlyRowAsync();
        Assert.Equal("There is no token 'ci' to revoke.", refusal);
        Assert.Equal(("refused", refusal), (row.Outcome, row.Message));
    }

    [Fact]
    public async Task Failed_IsRecordedAndThrownOn()
    {
        await Assert.ThrowsAsync<IOException>(() => new AuditedChanges(Audit).RunAsync(Admin, "user-remove", "carol",
            () => throw new IOException("disk gone"), Ct));

        var row = await OnlyRowAsync();
        Assert.Equal(("failed", "disk gone"), (row.Outcome, row.Message));
    }

    [Fact]
    public async Task AuditLogFull_TheChangeDoesNotRun()
    {
        await Audit.AppendAsync(Record(1), Ct);
        await RawExecuteAsync(DbPath, "CREATE TRIGGER audit_log_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
        var ran = false;

        await Assert.ThrowsAnyAsync<Exception>(() => new AuditedChanges(Audit).RunAsync(Admin, "user-add", "carol",
            () => { ran = true; return Task.CompletedTask; }, Ct));

        Assert.False(ran);
    }
}
