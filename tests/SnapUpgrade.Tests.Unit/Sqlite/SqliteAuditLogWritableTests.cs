using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Sqlite.AuditLogFixture;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteAuditLogWritableTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task EnsureWritable_OnAWritableFile_PassesAndWritesNothing()
    {
        var log = new SqliteAuditLog(new SqliteDatabase(_dir.Combine("audit.db")));

        await log.EnsureWritableAsync(Ct);

        Assert.Equal(0, (await log.QueryAsync(new AuditQuery(), Ct)).Total);
    }

    /// <summary>
    /// A database from a newer console (another BE): the honest read-only case that also holds when
    /// the tests run as root, where file modes would not stop a write.
    /// </summary>
    [Fact]
    public async Task EnsureWritable_SchemaNewerThanKnown_ThrowsAndAppendIsRefusedToo()
    {
        var path = _dir.Combine("audit.db");
        var log = new SqliteAuditLog(new SqliteDatabase(path));
        await log.AppendAsync(Record(1), Ct);
        await RawExecuteAsync(path, $"PRAGMA user_version = {SchemaMigrations.Latest + 1};");

        await Assert.ThrowsAsync<SchemaTooNewException>(() => log.EnsureWritableAsync(Ct));
        await Assert.ThrowsAsync<SchemaTooNewException>(() => log.AppendAsync(Record(2), Ct));

        var page = await log.QueryAsync(new AuditQuery(), Ct); // reading still works
        Assert.Equal(1, page.Total);
        Assert.True((await log.VerifyAsync(Ct)).Intact);
    }
}
