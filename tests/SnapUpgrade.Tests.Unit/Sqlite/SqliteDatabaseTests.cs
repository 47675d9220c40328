using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteDatabaseTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Open_NewFileInMissingDirectory_CreatesLatestSchemaInWalMode()
    {
        var db = SqliteDatabase.InDataDir(_dir.Combine("var", "adm", "snapupgrade"));

        await using (var connection = await db.OpenAsync(SqliteAccess.Write, Ct))
        {
            Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode;"));
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys;"));
            Assert.True(await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout;") >= 1000);
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'operation_journal';"));
        }
        Assert.Equal(SchemaMigrations.Latest, await db.SchemaVersionAsync(Ct));
    }

    /// <summary>
    /// Without pooling, the last connection to close deletes the -wal and -shm files while another opens
    /// and narrows them to 0600: that open must not fail (CI saw it as a 500 among concurrent API reads).
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Opens_ManyAtOnce_WhileTheWalFilesComeAndGo_AllSucceed()
    {
        var db = new SqliteDatabase(_dir.Combine("busy.db"));
        await (await db.OpenAsync(SqliteAccess.Write, Ct)).DisposeAsync();

        var opens = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var count = 0;
            for (var end = DateTime.UtcNow.AddSeconds(2); DateTime.UtcNow < end; count++)
                await using (var connection = await db.OpenAsync(SqliteAccess.Write, Ct))
                    await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM operation_journal;");
            return count;
        }, Ct)));

        Assert.All(opens, count => Assert.True(count > 10, $"only {count} opens in 2 s"));
        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(db.Path)); // and the file stayed narrowed
    }

    [Fact]
    public async Task Open_Twice_AppliesMigrationsOnce()
    {
        var db = new SqliteDatabase(_dir.Combine("a.db"));
        await (await db.OpenAsync(SqliteAccess.Write, Ct)).DisposeAsync();

        // a second migration run would fail on CREATE TABLE of an existing table
        await using var connection = await db.OpenAsync(SqliteAccess.Write, Ct);

        Assert.Equal(SchemaMigrations.Latest, await db.SchemaVersionAsync(Ct));
    }

    [Fact]
    public async Task Open_SchemaNewerThanKnown_WritesRefusedReadsAllowed()
    {
        var path = _dir.Combine("newer.db");
        var journal = new SqliteOperationJournal(new SqliteDatabase(path));
        await journal.BeginAsync(new JournalEntry { Action = "activate", ToBe = "be2" }, Ct);
        await SetUserVersionAsync(path, SchemaMigrations.Latest + 1);

        var db = new SqliteDatabase(path);
        var refused = await Assert.ThrowsAsync<SchemaTooNewException>(
            () => new SqliteOperationJournal(db).BeginAsync(new JournalEntry { Action = "create" }, Ct));

        Assert.Equal(SchemaMigrations.Latest + 1, refused.FoundVersion);
        Assert.Contains("newer", refused.Message, StringComparison.Ordinal);
        var pending = await new SqliteOperationJournal(db).PendingAsync(Ct);
        Assert.Equal("activate", Assert.Single(pending).Action);
        await using var read = await db.OpenAsync(SqliteAccess.Read, Ct);
        Assert.Throws<SqliteException>(() => read.Execute("DELETE FROM operation_journal;"));
        Assert.Equal(SchemaMigrations.Latest + 1, await db.SchemaVersionAsync(Ct));
    }

    public static TheoryData<int> OlderSchemas() => [.. Enumerable.Range(1, SchemaMigrations.Latest - 1)];

    /// <summary>A newer console (or the engine after a package upgrade) on a database an older one made: migrated, nothing lost.</summary>
    [Theory]
    [MemberData(nameof(OlderSchemas))]
    public async Task Open_DatabaseOfAnOlderConsole_MigratesToLatestKeepingItsRows(int older)
    {
        var path = _dir.Combine($"v{older}.db");
        await using (var raw = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await raw.OpenAsync(Ct);
            foreach (var step in SchemaMigrations.All.Where(m => m.Version <= older))
                await raw.ExecuteAsync(step.Sql);
            await raw.ExecuteAsync($"PRAGMA user_version = {older};");
            // Only the columns of schema 1: what every older console wrote.
            await raw.ExecuteAsync("INSERT INTO operation_journal (action, to_be, started_ms) VALUES ('activate', 'be2', 1);");
        }

        var db = new SqliteDatabase(path);
        var pending = await new SqliteOperationJournal(db).PendingAsync(Ct);

        Assert.Equal(SchemaMigrations.Latest, await db.SchemaVersionAsync(Ct));
        Assert.Equal(("activate", "be2"), (Assert.Single(pending).Action, pending[0].ToBe));
    }

    [Fact]
    public void Migrations_AreContiguousAndAdditiveOnly()
    {
        var versions = SchemaMigrations.All.Select(m => m.Version).ToArray();
        Assert.Equal(Enumerable.Range(1, versions.Length), versions);
        foreach (var step in SchemaMigrations.All)
        {
            var sql = step.Sql.ToUpperInvariant();
            Assert.DoesNotContain("DROP ", sql, StringComparison.Ordinal);
            Assert.DoesNotContain("RENAME ", sql, StringComparison.Ordinal);
            // "DELETE FROM", not "DELETE ": the audit log's guard trigger is "BEFORE DELETE ON".
            Assert.DoesNotContain("DELETE FROM", sql, StringComparison.Ordinal);
        }
    }

    static async Task SetUserVersionAsync(string path, int version)
    {
        await using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        await raw.OpenAsync();
        await raw.ExecuteAsync($"PRAGMA user_version = {version};");
    }
}
