using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// The console as composed: the audit chain's head is anchored on the pool after operations, and
/// rows cut off the end of the database (guards dropped through a raw connection) are reported by
/// the verify endpoint, naming the missing rows.
/// </summary>
public sealed class AuditAnchorTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operations_AnchorTheHeadOnThePool_AndRowsCutOffTheEndAreReported()
    {
        foreach (var name in new[] { "anchor1", "anchor2" })
        {
            using var created = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes", new { name });
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }
        await host.Services.GetRequiredService<AuditAnchorWriter>().FlushAsync();
        var pool = host.Services.GetRequiredService<HostSettings>().Pool;
        var anchored = AuditHead.Parse((await host.Services.GetRequiredService<IZfs>().ListAsync(pool, Ct)).Find(pool)!.AuditHead);
        var head = await host.Services.GetRequiredService<SqliteAuditLog>().HeadAsync(Ct);
        Assert.NotNull(anchored);
        Assert.Equal(head, anchored);
        var intact = await host.GetJsonAsync("auditor", "api/v1/audit/verify");
        Assert.True(intact.GetProperty("intact").GetBoolean(), intact.GetProperty("message").GetString());

        await using (var raw = new SqliteConnection($"Data Source={Path.Combine(host.DataDir, SqliteDatabase.DefaultFileName)};Pooling=False"))
        {
            await raw.OpenAsync(Ct);
            await raw.ExecuteAsync("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE id > @Keep;", new { Keep = anchored.Position - 2 });
        }
        var cut = await host.GetJsonAsync("auditor", "api/v1/audit/verify");

        Assert.False(cut.GetProperty("intact").GetBoolean());
        Assert.Equal(anchored.Position - 1, cut.GetProperty("firstBadId").GetInt64());
        Assert.Contains($"anchor names row {anchored.Position}", cut.GetProperty("message").GetString());
        Assert.Contains($"rows {anchored.Position - 1} to {anchored.Position} are missing", cut.GetProperty("message").GetString());
    }
}

/// <summary>
/// A console started on a database that ends before the row the pool's anchor names (an older copy
/// put back while it was stopped): the finding is logged and recorded as an audit row at start,
/// before the anchor moves on.
/// </summary>
public sealed class AuditAnchorStartTests(AuditAnchorStartTests.Host host) : IClassFixture<AuditAnchorStartTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override async Task<IReadOnlyDictionary<string, string?>?> PrepareAsync()
        {
            var settings = await base.PrepareAsync();
            var log = new SqliteAuditLog(SqliteDatabase.InDataDir(DataDir));
            for (var i = 1; i <= 2; i++)
                await log.AppendAsync(new AuditRecord { Actor = "alice", Role = "operator", Action = "create", Target = $"be{i}", Outcome = "succeeded" });
            var head = (await log.HeadAsync())!;
            // The pool as the console left it: its anchor names row 9 of this same database.
            var zfs = new SimulatedZfs(settings!["SnapUpgrade:StateFile"]);
            zfs.CreatePool("rpool");
            await zfs.ExecuteAsync(new ZfsSet("rpool", UserProperties.AuditHead, (head with { Position = 9, Hash = new string('9', 64) }).ToString()));
            return settings;
        }
    }

    [Fact]
    public async Task Start_OnADatabaseEndingBeforeTheAnchor_RecordsTheFindingAndAnchorsAfterIt()
    {
        var (rows, total) = await host.AuditAsync($"action={EngineHost.VerifyAction}");

        Assert.Equal(1, total);
        var row = Assert.Single(rows);
        Assert.Equal(("system", "failed"), (row.GetProperty("actor").GetString(), row.GetProperty("outcome").GetString()));
        Assert.Contains("anchor names row 9", row.GetProperty("message").GetString());
        Assert.Contains("the database ends at row 2: rows 3 to 9 are missing", row.GetProperty("message").GetString());
        Assert.Contains(host.Logs.Events, e => e.Contains("does not match the pool"));
    }
}
