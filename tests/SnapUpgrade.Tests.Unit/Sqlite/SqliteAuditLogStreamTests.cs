using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Sqlite.AuditLogFixture;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteAuditLogStreamTests : IDisposable
{
    const int Rows = 10_000;
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("audit.db");

    /// <summary>10,000 rows in one statement (their hashes are not a chain: only reading is tested here).</summary>
    async Task<SqliteAuditLog> BulkAsync()
    {
        var log = new SqliteAuditLog(new SqliteDatabase(DbPath));
        await log.EnsureWritableAsync(Ct); // creates the schema
        await RawExecuteAsync(DbPath, $"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows})
            INSERT INTO audit_log (id, time_ms, actor, role, action, dry_run, outcome, duration_ms, prev_hash, hash)
            SELECT i, 1700000000000 + i, 'bulk', 'operator', 'create', 0, 'succeeded', 0, 'p', 'h' FROM n;
            """);
        return log;
    }

    [Fact]
    public async Task Stream_BrokenOffAfterThree_YieldsThreeAndReleasesTheFile()
    {
        var log = await BulkAsync();

        var taken = new List<long>();
        await foreach (var e in log.StreamAsync(new AuditQuery(), Ct))
        {
            taken.Add(e.Id);
            if (taken.Count == 3) break;
        }

        Assert.Equal([10_000L, 9_999, 9_998], taken);
        // The last connection to close removes the WAL file: breaking off closed the reader's connection.
        Assert.False(File.Exists(DbPath + "-wal"), "the stream's connection was left open");
    }

    [Fact]
    public async Task Stream_ReadsFromTheDatabasePerRow_NotFromAListLoadedFirst()
    {
        // A stream that loaded every row before yielding the first would go on yielding from memory
        // after a cancellation; one that reads row by row stops at the next read.
        var log = await BulkAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var taken = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in log.StreamAsync(new AuditQuery(), cts.Token))
            {
                if (++taken == 3) await cts.CancelAsync();
            }
        });

        Assert.Equal(3, taken);
    }
}
