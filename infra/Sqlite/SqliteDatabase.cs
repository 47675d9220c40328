using Dapper;
using Microsoft.Data.Sqlite;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// The console's SQLite file. Every call opens a fresh, unpooled connection and the caller disposes
/// it when its operation ends: the file may sit under <c>/var/adm</c>, which the console's own
/// migration moves to the shared dataset and replaces by a link, and a connection kept open across
/// that would keep writing to the old inode. Opening by path each time follows the new link
/// (docs/decisions/0001). The schema is brought up to date on every write open (a cheap
/// <c>PRAGMA user_version</c> read once it is) and a newer schema is only read (docs/decisions/0002).
/// </summary>
public sealed class SqliteDatabase
{
    public const string DefaultFileName = "snapupgrade.db";
    static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    public SqliteDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The database in a data directory (<c>SnapUpgrade:DataDir</c>).</summary>
    public static SqliteDatabase InDataDir(string dataDir) => new(System.IO.Path.Combine(dataDir, DefaultFileName));

    public string Path { get; }

    /// <summary>
    /// Opens a connection with the schema up to date. <see cref="SqliteAccess.Write"/> on a schema newer
    /// than <see cref="SchemaMigrations.Latest"/> throws <see cref="SchemaTooNewException"/>;
    /// <see cref="SqliteAccess.Read"/> then gets a read-only connection.
    /// </summary>
    public async Task<SqliteConnection> OpenAsync(SqliteAccess access, CancellationToken ct = default)
    {
        var connection = await OpenRawAsync(SqliteOpenMode.ReadWriteCreate, ct);
        int version;
        try
        {
            version = await UserVersionAsync(connection, ct);
            if (version < SchemaMigrations.Latest)
                await MigrateAsync(connection, ct);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        if (version <= SchemaMigrations.Latest)
            return connection;

        await connection.DisposeAsync();
        if (access == SqliteAccess.Write)
            throw new SchemaTooNewException(Path, version, SchemaMigrations.Latest);
        return await OpenRawAsync(SqliteOpenMode.ReadOnly, ct);
    }

    /// <summary>The schema version recorded in the file (0 for a new file).</summary>
    public async Task<int> SchemaVersionAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenRawAsync(SqliteOpenMode.ReadWriteCreate, ct);
        return await UserVersionAsync(connection, ct);
    }

    async Task<SqliteConnection> OpenRawAsync(SqliteOpenMode mode, CancellationToken ct)
    {
        if (mode != SqliteOpenMode.ReadOnly)
            Composition.PrivateFiles.Directory(System.IO.Path.GetDirectoryName(Path)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = mode,
            Pooling = false, // see the class comment: never keep the file open between operations
            ForeignKeys = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString());
        try
        {
            await connection.OpenAsync(ct);
            // 0600 before anything makes the -wal and -shm files: SQLite gives them the database's mode.
            if (mode != SqliteOpenMode.ReadOnly)
                foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" }) Composition.PrivateFiles.File0600(file);
            await connection.ExecuteAsync(new CommandDefinition(
                $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};", cancellationToken: ct));
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    static Task<int> UserVersionAsync(SqliteConnection connection, CancellationToken ct) =>
        connection.ExecuteScalarAsync<int>(new CommandDefinition("PRAGMA user_version;", cancellationToken: ct));

    async Task MigrateAsync(SqliteConnection connection, CancellationToken ct)
    {
        // WAL is a property of the file and cannot be switched inside a transaction.
        await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode = WAL;", cancellationToken: ct));
        // BEGIN IMMEDIATE takes the write lock first, so two consoles starting at once
        // cannot both apply the same step: the second sees the new version and does nothing.
        await using var tx = connection.BeginTransaction(deferred: false);
        var version = await connection.ExecuteScalarAsync<int>(
            new CommandDefinition("PRAGMA user_version;", transaction: tx, cancellationToken: ct));
        if (version > SchemaMigrations.Latest)
            throw new SchemaTooNewException(Path, version, SchemaMigrations.Latest);
        foreach (var step in SchemaMigrations.All.Where(m => m.Version > version))
        {
            await connection.ExecuteAsync(new CommandDefinition(step.Sql, transaction: tx, cancellationToken: ct));
            // PRAGMA takes no parameters; Version is an int from code, never input.
            await connection.ExecuteAsync(new CommandDefinition(
                $"PRAGMA user_version = {step.Version};", transaction: tx, cancellationToken: ct));
        }
        await tx.CommitAsync(ct);
    }
}
