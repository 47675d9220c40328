using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>The API scenarios, run on every backend: the simulator and a zfs-fuse pool.</summary>
public abstract class ApiScenarios(ApiHost host)
{
    protected abstract void RequireBackend();

    private async Task<string> BootedAsync() =>
        (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("booted").GetProperty("name").GetString()!;

    private async Task<JsonElement> OkAsync(HttpMethod method, string path, object? body = null)
    {
        using var response = await host.SendAsync("operator", method, "api/v1/" + path, body);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }

    [Theory]
    [InlineData("host")]
    [InlineData("bes")]
    [InlineData("shared")]
    [InlineData("zones")]
    [InlineData("audit")]
    [InlineData("audit/verify")]
    public async Task Read_AsAuditor_Answers200WithJson(string path)
    {
        RequireBackend();

        using var response = await host.SendAsync("auditor", HttpMethod.Get, "api/v1/" + path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.NotEqual(JsonValueKind.Undefined, json.ValueKind);
    }

    [Fact]
    public async Task BeLifecycle_CreateActivateDryRunDestroyDestroy_ChangesTheHostAndAuditsEachStep()
    {
        RequireBackend();
        var active = (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("activeOnReboot").GetProperty("name").GetString()!;
        var name = "life" + Guid.NewGuid().ToString("N")[..6];

        await OkAsync(HttpMethod.Post, "bes", new { name, description = "scenario" });
        var activated = await OkAsync(HttpMethod.Post, $"bes/{name}/activate", new { });
        Assert.Equal(name, activated.GetProperty("toBe").GetString());
        Assert.True((await host.GetJsonAsync("auditor", $"api/v1/bes/{name}")).GetProperty("isActiveOnReboot").GetBoolean());
        await OkAsync(HttpMethod.Post, $"bes/{active}/activate", new { });
        using (var plan = await host.SendAsync("admin", HttpMethod.Delete, $"api/v1/bes/{name}?dryRun=true"))
        {
            Assert.Equal(HttpStatusCode.OK, plan.StatusCode);
            var result = await plan.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.True(result.GetProperty("dryRun").GetBoolean());
            // The plan names the zfs destroy of the BE's dataset, and nothing ran.
            Assert.Contains(result.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToList()),
                argv => argv is ["zfs", "destroy", ..] && argv[^1].EndsWith($"/ROOT/{name}", StringComparison.Ordinal));
        }
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync("operator", HttpMethod.Get, $"api/v1/bes/{name}")).StatusCode);
        using (var destroyed = await host.SendAsync("admin", HttpMethod.Delete, $"api/v1/bes/{name}"))
            Assert.Equal(HttpStatusCode.OK, destroyed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync("operator", HttpMethod.Get, $"api/v1/bes/{name}")).StatusCode);

        var (rows, _) = await host.AuditAsync($"target={name}&pageSize=20");
        Assert.Equal(
            ["destroy:False", "destroy:True", "activate:False", "activate:False", "create:False"],
            rows.Select(r => $"{r.GetProperty("action").GetString()}:{r.GetProperty("dryRun").GetBoolean()}"));
        Assert.All(rows, r => Assert.Equal("succeeded", r.GetProperty("outcome").GetString()));
        var first = rows.Last(r => r.GetProperty("action").GetString() == "activate");
        Assert.Equal((active, name), (first.GetProperty("fromBe").GetString(), first.GetProperty("toBe").GetString()));
    }

    [Fact]
    public async Task Create_RunWithTheDryRunsPlanToken_RunsTheReviewedArgvOnceAndRefusesOtherTokens()
    {
        RequireBackend();
        var ct = TestContext.Current.CancellationToken;
        var name = "rv" + Guid.NewGuid().ToString("N")[..6];
        static List<string> Lines(JsonElement result) => [.. result.GetProperty("steps").EnumerateArray()
            .Select(s => new PlannedStep(0, "", [.. s.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!)]).CommandLine)];
        async Task<(HttpStatusCode Status, JsonElement Body)> CreateAsync(string query, string be)
        {
            using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes" + query, new { name = be });
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(ct));
        }

        var review = await OkAsync(HttpMethod.Post, "bes?dryRun=true", new { name });
        var token = review.GetProperty("planToken").GetString()!;
        var (otherStatus, other) = await CreateAsync($"?planToken={Uri.EscapeDataString(token)}", name + "x");
        var (garbageStatus, garbage) = await CreateAsync("?planToken=garbage", name);
        var run = await OkAsync(HttpMethod.Post, $"bes?planToken={Uri.EscapeDataString(token)}", new { name });
        var (againStatus, again) = await CreateAsync($"?planToken={Uri.EscapeDataString(token)}", name + "y");

        var journalled = (await host.Services.GetRequiredService<IOperationJournal>().RecentAsync(20, ct))
            .Single(e => e.Id == run.GetProperty("journalId").GetInt64());
        Assert.Equal(string.Join('\n', Lines(review)), journalled.Plan);
        Assert.Contains(name, journalled.Plan);
        Assert.Equal((HttpStatusCode.Conflict, "PlanChanged"), (otherStatus, other.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidPlanToken"), (garbageStatus, garbage.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidPlanToken"), (againStatus, again.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await host.SendAsync("operator", HttpMethod.Get, $"api/v1/bes/{name}x")).StatusCode);
        var (rows, _) = await host.AuditAsync($"target={name}x&pageSize=5");
        Assert.Equal(("refused", "PlanChanged"), (rows[0].GetProperty("outcome").GetString(), rows[0].GetProperty("errorCode").GetString()));

        using (var destroyed = await host.SendAsync("admin", HttpMethod.Delete, $"api/v1/bes/{name}"))
            Assert.Equal(HttpStatusCode.OK, destroyed.StatusCode);
    }

    /// <summary>What the engine did that changes the host (its activity counter) and the newest journal row:
    /// a read that mounted a BE for a moment, or ran any operation, moves one or the other.</summary>
    private async Task<(long Activity, long? Journal)> EngineMarkAsync()
    {
        var engine = host.Services.GetRequiredService<IEngine>();
        var journal = host.Services.GetRequiredService<IOperationJournal>();
        var recent = await journal.RecentAsync(1, TestContext.Current.CancellationToken);
        return (engine.Activity, recent.Count == 0 ? null : recent[0].Id);
    }

    private static JsonElement Entry(JsonElement report, string be) =>
        report.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("be").GetString() == be && e.GetProperty("zone").ValueKind == JsonValueKind.Null);

    [Fact]
    public async Task SharedHealth_ReadNeverMounts_CheckIsForOperatorsAuditedAndRemembered()
    {
        RequireBackend();
        var name = "sh" + Guid.NewGuid().ToString("N")[..6];
        await OkAsync(HttpMethod.Post, "bes", new { name });
        var (_, auditBefore) = await host.AuditAsync("pageSize=1");
        var before = await EngineMarkAsync();

        // Any role reads as often as it likes: nothing mounts, nothing runs, nothing is audited.
        var read = (await host.GetJsonAsync("auditor", "api/v1/shared")).GetProperty("health");
        await host.GetJsonAsync("operator", "api/v1/shared");
        Assert.Equal(before, await EngineMarkAsync());
        Assert.Equal(auditBefore, (await host.AuditAsync("pageSize=1")).Total);
        var fresh = Entry(read, name);
        Assert.True(fresh.GetProperty("notChecked").GetBoolean(), fresh.ToString());
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("checkedAt").ValueKind);
        var booted = Entry(read, await BootedAsync());
        Assert.NotEqual(JsonValueKind.Null, booted.GetProperty("checkedAt").ValueKind); // mounted: read now

        // An auditor may not check: 403, audited, and nothing mounted.
        using (var refused = await host.SendAsync("auditor", HttpMethod.Post, "api/v1/shared/check"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal("Forbidden", problem.GetProperty("code").GetString());
        }
        Assert.Equal(before.Activity, (await EngineMarkAsync()).Activity);
        var (rows, _) = await host.AuditAsync("pageSize=1");
        Assert.Equal(("shared-check", "auditor", "refused", "Forbidden"), (rows[0].GetProperty("action").GetString(),
            rows[0].GetProperty("role").GetString(), rows[0].GetProperty("outcome").GetString(), rows[0].GetProperty("errorCode").GetString()));

        // An operator's check looks inside every BE, is audited, and its findings are what later reads show.
        var check = await OkAsync(HttpMethod.Post, "shared/check");
        Assert.False(check.GetProperty("dryRun").GetBoolean());
        var checkedEntry = Entry(check.GetProperty("sharedHealth"), name);
        Assert.Equal(4, checkedEntry.GetProperty("directories").GetArrayLength());
        Assert.NotEqual(JsonValueKind.Null, checkedEntry.GetProperty("checkedAt").ValueKind);
        Assert.NotEqual(before.Activity, (await EngineMarkAsync()).Activity);
        (rows, _) = await host.AuditAsync("pageSize=1");
        Assert.Equal(("shared-check", ApiHost.TokenName("operator"), "succeeded", false), (rows[0].GetProperty("action").GetString(),
            rows[0].GetProperty("actor").GetString(), rows[0].GetProperty("outcome").GetString(), rows[0].GetProperty("dryRun").GetBoolean()));

        var afterCheck = await EngineMarkAsync();
        var reread = Entry((await host.GetJsonAsync("auditor", "api/v1/shared")).GetProperty("health"), name);
        Assert.Equal(afterCheck, await EngineMarkAsync());
        Assert.False(reread.GetProperty("notChecked").GetBoolean());
        Assert.Equal(checkedEntry.GetProperty("checkedAt").GetDateTimeOffset(), reread.GetProperty("checkedAt").GetDateTimeOffset());
        Assert.Equal(checkedEntry.GetProperty("directories").ToString(), reread.GetProperty("directories").ToString());

        using (var destroyed = await host.SendAsync("admin", HttpMethod.Delete, $"api/v1/bes/{name}"))
            Assert.Equal(HttpStatusCode.OK, destroyed.StatusCode);
    }

    [Fact]
    // Not in the OpenZFS guest: one operation at a time and each request audited once are the engine's lock and the
    // audit log's, the same on every ZFS (41 s there); activate itself runs on OpenZFS in BeLifecycle.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Activate_TwentyConcurrentRequestsOnTwoBes_EveryOneAnsweredAndAuditedOnce()
    {
        RequireBackend();
        var booted = await BootedAsync();
        var other = "conc" + Guid.NewGuid().ToString("N")[..6];
        await OkAsync(HttpMethod.Post, "bes", new { name = other });
        var actor = ApiHost.TokenName("operator");
        var (_, before) = await host.AuditAsync($"actor={actor}&action=activate&pageSize=1");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await host.SendAsync("operator", HttpMethod.Post, $"api/v1/bes/{(i % 2 == 0 ? other : booted)}/activate", new { });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            return (response.StatusCode, Code: body.TryGetProperty("code", out var code) ? code.GetString() : null);
        }));

        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK || (a.StatusCode == HttpStatusCode.Conflict && a.Code == "Busy"),
            $"{(int)a.StatusCode} {a.Code}"));
        var bootfs = (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("bootfs").GetString()!;
        Assert.True(bootfs.EndsWith($"/ROOT/{other}", StringComparison.Ordinal) || bootfs.EndsWith($"/ROOT/{booted}", StringComparison.Ordinal), bootfs);
        var (_, after) = await host.AuditAsync($"actor={actor}&action=activate&pageSize=1");
        Assert.Equal(before + 20, after);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{answers.Count(a => a.StatusCode == HttpStatusCode.OK)} activated, {answers.Count(a => a.StatusCode != HttpStatusCode.OK)} busy; bootfs {bootfs}");
        // Leave the host booting what it booted, for the next scenario.
        await OkAsync(HttpMethod.Post, $"bes/{booted}/activate", new { });
    }
}

public sealed class SimulatedApiScenarios(SimulatedApiHost host) : ApiScenarios(host), IClassFixture<SimulatedApiHost>
{
    protected override void RequireBackend() { }
}

public sealed class ZfsFuseApiScenarios(ZfsFuseApiHost host) : ApiScenarios(host), IClassFixture<ZfsFuseApiHost>
{
    protected override void RequireBackend()
    {
        Lane.RequireZfsFuse();
        Assert.True(host.Started, "the console did not start on the zfs-fuse lab pool");
    }
}
