using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>An activation a crash interrupted (its journal row never completed) is audited at the next start.</summary>
public sealed class ReconcileAuditTests(ReconcileAuditTests.Host host) : IClassFixture<ReconcileAuditTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override async Task<IReadOnlyDictionary<string, string?>?> PrepareAsync()
        {
            var journal = new SqliteOperationJournal(SqliteDatabase.InDataDir(DataDir));
            await journal.BeginAsync(new JournalEntry { Action = "activate", Target = "2026.09", FromBe = "2026.11", ToBe = "2026.09", Plan = "zpool set bootfs=rpool/ROOT/2026.09 rpool" });
            return await base.PrepareAsync();
        }
    }

    [Fact]
    public async Task Start_WithAnInterruptedActivation_AuditsItAsInterruptedBySystem()
    {
        var (rows, total) = await host.AuditAsync("outcome=interrupted");

        Assert.Equal(1, total);
        var row = Assert.Single(rows);
        Assert.Equal(("system", "activate", "2026.09"), (row.GetProperty("actor").GetString(), row.GetProperty("action").GetString(), row.GetProperty("target").GetString()));
        Assert.Equal(("2026.11", "2026.09"), (row.GetProperty("fromBe").GetString(), row.GetProperty("toBe").GetString()));
        Assert.Contains("reconciled", row.GetProperty("message").GetString());
    }
}
