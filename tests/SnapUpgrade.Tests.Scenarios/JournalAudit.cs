using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Scenarios.Lab;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// The journal and the audit log agree on every backend: an operation that runs has exactly one
/// audit row, written with the journal's completion and naming who asked, also when the console was
/// killed half-way; one whose audit row cannot be written does not run.
/// </summary>
public abstract class JournalAudit<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    static readonly Actor Alice = new("alice", Role.Operator, "10.0.0.7");

    SqliteAuditLog Audit => new(Lab.Database);

    async Task<IReadOnlyList<AuditEntry>> RowsAsync(string action) =>
        (await Audit.QueryAsync(new AuditQuery(Action: action))).Entries;

    [Fact]
    public async Task Run_RecordsTheActorInTheJournalAndOneAuditRowWithTheCompletion()
    {
        var result = await Lab.Engine.RunAsync(new CreateBe("be2"), new RunRequest { Actor = Alice });

        Assert.True(result.Succeeded, $"[{Lab.Host.Name}] {result.Error}");
        var journalled = (await Lab.Journal.RecentAsync(10)).Single(e => e.Id == result.JournalId);
        Assert.Equal(("alice", "operator", "10.0.0.7"), (journalled.Actor, journalled.Role, journalled.Source));
        var row = Assert.Single(await RowsAsync("create"));
        Assert.Equal(("alice", "be2", "succeeded"), (row.Actor, row.Target, row.Outcome));
        Assert.True((await Audit.VerifyAsync()).Intact);
    }

    [Fact]
    public async Task Run_WhenTheAuditLogCannotTakeARow_DoesNotRunAndLeavesThePoolAsItWas()
    {
        var before = await Lab.ListingAsync();
        // A full disk, as SQLite answers it, for audit rows only: the journal itself could still be written.
        await using (var raw = await Lab.Database.OpenAsync(SqliteAccess.Write))
        {
            await using var full = raw.CreateCommand();
            full.CommandText = "CREATE TRIGGER audit_log_full BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;";
            await full.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<SqliteException>(() => Lab.Engine.RunAsync(new CreateBe("be2"), new RunRequest { Actor = Alice }));

        Assert.Contains("disk is full", error.Message);
        Assert.Equal(before, await Lab.ListingAsync());
        Assert.DoesNotContain(await Lab.Journal.RecentAsync(10), e => e.Action == "create");
        Assert.Empty(await RowsAsync("create"));
    }

    [Fact]
    public async Task Crash_ThenRestart_LeavesExactlyOneAuditRowNamingTheRealActor()
    {
        Lab.Crashes.CrashAt(1, afterWrite: true);
        _ = Lab.Engine.RunAsync(new CreateBe("be2"), new RunRequest { Actor = Alice }); // never returns: the console "died"
        await Lab.Crashes.Crashed.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Empty(await RowsAsync("create")); // running: its row is written when it ends

        var lines = await Lab.NewEngine().ReconcileAsync();

        Assert.Single(lines);
        var row = Assert.Single(await RowsAsync("create"));
        Assert.Equal(("alice", "operator", "10.0.0.7"), (row.Actor, row.Role, row.Source));
        Assert.Equal(("be2", "interrupted"), (row.Target, row.Outcome));
        var verification = await Audit.VerifyAsync();
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(0, verification.Running);
    }
}

public sealed class JournalAuditOnSimulator : JournalAudit<Simulated>;
public sealed class JournalAuditOnZfsFuse : JournalAudit<ZfsFuse>;
