using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// An activation a crash interrupted (its journal row never completed) is audited at the next start,
/// once, naming who asked for it (the journal records the actor), and the chain verifies.
/// </summary>
public sealed class ReconcileAuditTests(ReconcileAuditTests.Host host) : IClassFixture<ReconcileAuditTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override async Task<IReadOnlyDictionary<string, string?>?> PrepareAsync()
        {
            var journal = new SqliteOperationJournal(SqliteDatabase.InDataDir(DataDir));
            await journal.BeginAsync(new JournalEntry
            {
                Action = "activate", Target = "2026.09", FromBe = "2026.11", ToBe = "2026.09", Plan = "zpool set bootfs=rpool/ROOT/2026.09 rpool",
                Actor = "alice", Role = "operator", Source = "10.0.0.7",
            });
            return await base.PrepareAsync();
        }
    }

    [Fact]
    public async Task Start_WithAnInterruptedActivation_AuditsItOnceAsInterruptedNamingTheRealActor()
    {
        var (rows, total) = await host.AuditAsync("action=activate");

        Assert.Equal(1, total);
        var row = Assert.Single(rows);
        Assert.Equal(("alice", "operator", "10.0.0.7"), (row.GetProperty("actor").GetString(), row.GetProperty("role").GetString(), row.GetProperty("source").GetString()));
        Assert.Equal(("interrupted", "2026.09"), (row.GetProperty("outcome").GetString(), row.GetProperty("target").GetString()));
        Assert.Equal(("2026.11", "2026.09"), (row.GetProperty("fromBe").GetString(), row.GetProperty("toBe").GetString()));
        Assert.Contains("reconciled", row.GetProperty("message").GetString());
        var verification = await new SqliteAuditLog(SqliteDatabase.InDataDir(host.DataDir)).VerifyAsync(TestContext.Current.CancellationToken);
        Assert.True(verification.Intact, verification.Message);
    }
}

/// <summary>
/// An operation that an older console (schema 6, which appended the audit row after completing the
/// journal row) finished, but died before its audit row was written (the journal row is complete and
/// not marked audited), is audited at the next start from the journal.
/// </summary>
public sealed class UnauditedJournalTests(UnauditedJournalTests.Host host) : IClassFixture<UnauditedJournalTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override async Task<IReadOnlyDictionary<string, string?>?> PrepareAsync()
        {
            var journal = new SqliteOperationJournal(SqliteDatabase.InDataDir(DataDir));
            var id = await journal.BeginAsync(new JournalEntry { Action = "mount", Target = "2026.09", Plan = "zfs mount -o nosuid,nodev rpool/ROOT/2026.09" });
            // What an older console's completion wrote, without the audit row: the process was killed here.
            await using var raw = new SqliteConnection($"Data Source={Path.Combine(DataDir, SqliteDatabase.DefaultFileName)};Pooling=False");
            await raw.OpenAsync();
            await raw.ExecuteAsync("UPDATE operation_journal SET finished_ms = started_ms + 5, outcome = 'succeeded' WHERE id = @id;", new { id });
            return await base.PrepareAsync();
        }
    }

    [Fact]
    public async Task Start_WithAFinishedOperationWithoutAuditRow_AuditsItOnceFromTheJournal()
    {
        var (rows, total) = await host.AuditAsync("action=mount");

        Assert.Equal(1, total);
        var row = Assert.Single(rows);
        Assert.Equal(("system", "succeeded", "2026.09"), (row.GetProperty("actor").GetString(), row.GetProperty("outcome").GetString(), row.GetProperty("target").GetString()));
        Assert.Contains("before its audit row was written", row.GetProperty("message").GetString());
        var journal = new SqliteOperationJournal(SqliteDatabase.InDataDir(host.DataDir));
        Assert.Empty(await journal.UnauditedAsync(TestContext.Current.CancellationToken));
    }
}
