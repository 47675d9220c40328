using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// The audit log's queries at scale (issue 3: "fast at 1,000,000 rows"): first pages with and
/// without filters, a deep page, and the full chain verification, on a real WAL file.
/// </summary>
/// <remarks>
/// Every case runs in a process of its own with its own [GlobalSetup], so the database is built
/// once into the temp directory (keyed by row count and data version) and reused by every case and
/// later run; building 1,000,000 rows takes about a minute. A smoke run (<see cref="BenchRun"/>) uses
/// 1,000 rows.
/// </remarks>
[Config(typeof(BenchConfig))]
public class AuditBenchmarks
{
    SqliteAuditLog _log = null!;
    DateTimeOffset _lastMonth;

    [ParamsSource(nameof(RowCounts))]
    public int Rows { get; set; }

    public static IEnumerable<int> RowCounts => BenchRun.IsSmoke ? [1_000] : [1_000_000];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var db = await AuditBenchData.EnsureAsync(Rows);
        _log = new SqliteAuditLog(db);
        _lastMonth = AuditBenchData.TimeOf(Rows).AddDays(-30);
        Console.WriteLine($"// setup: {Rows} audit rows at {db.Path} ready in " +
            $"{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        var total = (await _log.QueryAsync(new AuditQuery())).Total;
        if (total != Rows)
            throw new InvalidOperationException($"expected {Rows} audit rows, found {total}");
    }

    [Benchmark(Baseline = true)]
    public Task<AuditPage> FirstPage() => _log.QueryAsync(new AuditQuery());

    /// <summary>An actor with about 1% of the rows.</summary>
    [Benchmark]
    public Task<AuditPage> FirstPageByActor() => _log.QueryAsync(new AuditQuery(Actor: "user7"));

    /// <summary>One BE of 500, matched as target, from-BE or to-BE.</summary>
    [Benchmark]
    public Task<AuditPage> FirstPageByTarget() => _log.QueryAsync(new AuditQuery(Target: "be123"));

    [Benchmark]
    public Task<AuditPage> FirstPageFailedLastMonth() =>
        _log.QueryAsync(new AuditQuery(From: _lastMonth, Outcome: "failed"));

    /// <summary>An outcome 90% of the rows have: must not sort them.</summary>
    [Benchmark]
    public Task<AuditPage> FirstPageSucceeded() => _log.QueryAsync(new AuditQuery(Outcome: "succeeded"));

    /// <summary>A month long ago (~86,000 rows), the worst case of a time range: those rows are sorted by id.</summary>
    [Benchmark]
    public Task<AuditPage> FirstPageOldMonth() =>
        _log.QueryAsync(new AuditQuery(From: _lastMonth.AddMonths(-8), To: _lastMonth.AddMonths(-7)));

    /// <summary>Page 100 of the busiest actor's rows (about 30% of all): an OFFSET of 4,950.</summary>
    [Benchmark]
    public Task<AuditPage> Page100ByActor() => _log.QueryAsync(new AuditQuery(Actor: "ci", Page: 100));

    [Benchmark]
    public Task<ChainVerification> VerifyWholeChain() => _log.VerifyAsync();
}

/// <summary>A deterministic audit log of a given size with a valid chain, written in one transaction.</summary>
static class AuditBenchData
{
    const int DataVersion = 2; // bump when the generated rows or the indexes change, so a cached file is rebuilt
    static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    static readonly string[] Actions =
        ["create", "activate", "activate", "activate", "mount", "unmount", "snapshot", "destroy", "rename", "rollback", "zone-create", "migrate-shared"];

    /// <summary>Row i's time: one row every 30 seconds (a million rows cover about a year).</summary>
    public static DateTimeOffset TimeOf(long id) => Start.AddSeconds(30 * id);

    public static async Task<SqliteDatabase> EnsureAsync(int rows)
    {
        var dir = Path.Combine(Path.GetTempPath(), "snapupgrade-bench");
        var path = Path.Combine(dir, $"audit-{rows}-v{DataVersion}-s{SchemaMigrations.Latest}.db");
        if (File.Exists(path))
            return new SqliteDatabase(path);
        // Built under another name and renamed when complete: a run stopped half-way leaves no
        // file that looks finished.
        var building = path + $".{Environment.ProcessId}.building";
        var db = new SqliteDatabase(building);
        await new SqliteAuditLog(db).EnsureWritableAsync(); // the schema
        await FillAsync(building, rows);
        File.Move(building, path);
        return new SqliteDatabase(path);
    }

    static async Task FillAsync(string path, int rows)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = OFF;"; // a throwaway file: speed over durability
            await pragma.ExecuteNonQueryAsync();
        }
        await using var tx = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = """
            INSERT INTO audit_log (id, time_ms, actor, role, source, action, target, from_be, to_be, dry_run,
                                   outcome, error_code, message, duration_ms, prev_hash, hash)
            VALUES ($id, $time, $actor, $role, $source, $action, $target, $from, $to, $dry, $outcome, $code, $message, $duration, $prev, $hash);
            """;
        string[] names = ["id", "time", "actor", "role", "source", "action", "target", "from", "to", "dry", "outcome", "code", "message", "duration", "prev", "hash"];
        var p = names.Select(n => insert.Parameters.Add(new SqliteParameter("$" + n, null))).ToArray();
        insert.Prepare();

        var random = new Random(42);
        var previous = AuditChain.Genesis;
        for (var id = 1L; id <= rows; id++)
        {
            var e = Row(id, previous, random);
            e = e with { Hash = AuditChain.Hash(e) };
            object?[] values =
            [
                e.Id, e.Time.ToUnixTimeMilliseconds(), e.Actor, e.Role, e.Source, e.Action, e.Target, e.FromBe, e.ToBe,
                e.DryRun ? 1 : 0, e.Outcome, e.ErrorCode, e.Message, e.DurationMs, e.PreviousHash, e.Hash,
            ];
            for (var i = 0; i < p.Length; i++)
                p[i].Value = values[i] ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync();
            previous = e.Hash;
        }
        await tx.CommitAsync();
    }

    /// <summary>30% "ci", 30% "admin", the rest over 40 users; 90% succeeded, 6% failed, 3% refused, 1% interrupted.</summary>
    static AuditEntry Row(long id, string previous, Random random)
    {
        var who = random.Next(100);
        var actor = who < 30 ? "ci" : who < 60 ? "admin" : $"user{random.Next(40)}";
        var action = Actions[random.Next(Actions.Length)];
        var be = $"be{random.Next(500)}";
        var activation = action == "activate";
        var roll = random.Next(100);
        var outcome = roll < 90 ? "succeeded" : roll < 96 ? "failed" : roll < 99 ? "refused" : "interrupted";
        return new AuditEntry
        {
            Id = id, Time = TimeOf(id), Actor = actor, Role = actor == "admin" ? "admin" : "operator",
            Source = $"10.0.{random.Next(4)}.{random.Next(250)}", Action = action, Target = be,
            FromBe = activation ? $"be{random.Next(500)}" : null, ToBe = activation ? be : null,
            DryRun = random.Next(10) == 0, Outcome = outcome,
            ErrorCode = outcome == "succeeded" ? null : "Busy",
            Message = outcome == "succeeded" ? null : $"{action} {be}: dataset is busy",
            DurationMs = random.Next(5, 5000), PreviousHash = previous,
        };
    }
}
