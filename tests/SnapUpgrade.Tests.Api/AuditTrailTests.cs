using System.Net;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>Every operation type, really run through the API, leaves its audit row; so do refusals and dry runs.</summary>
public sealed class AuditTrailTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    private async Task<JsonElement> RunAsync(string principal, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        using var response = await host.SendAsync(principal, method, "api/v1/" + path, body);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        var (rows, _) = await host.AuditAsync("pageSize=1");
        return Assert.Single(rows);
    }

    private static void AssertRow(JsonElement row, string actor, string role, string action, string? target, string outcome, bool dryRun)
    {
        Assert.Equal(actor, row.GetProperty("actor").GetString());
        Assert.Equal(role, row.GetProperty("role").GetString());
        Assert.Equal(action, row.GetProperty("action").GetString());
        Assert.Equal(target, row.GetProperty("target").GetString());
        Assert.Equal(outcome, row.GetProperty("outcome").GetString());
        Assert.Equal(dryRun, row.GetProperty("dryRun").GetBoolean());
        Assert.Equal("127.0.0.1", row.GetProperty("source").GetString());
    }

    [Fact]
    public async Task EveryOperationType_RunThroughTheApi_LeavesOneRowEach()
    {
        var admin = ApiHost.TokenName("admin");
        var ok = HttpStatusCode.OK;
        var state = await host.GetJsonAsync("admin", "api/v1/host");
        var booted = state.GetProperty("booted").GetProperty("name").GetString()!;
        var active = state.GetProperty("activeOnReboot").GetProperty("name").GetString()!;
        var (_, before) = await host.AuditAsync("pageSize=1");

        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes?dryRun=true", new { name = "a1" }, ok), admin, "admin", "create", "a1", "succeeded", true);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes", new { name = "a1", description = "audit test" }, ok), admin, "admin", "create", "a1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/a1/snapshots", new { snapshot = "s1" }, ok), admin, "admin", "snapshot", "a1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/a1/rollback", new { snapshot = "s1" }, ok), admin, "admin", "rollback", "a1@s1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Delete, "bes/a1/snapshots/s1", null, ok), admin, "admin", "destroy-snapshot", "a1@s1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/a1/mount", new { }, ok), admin, "admin", "mount", "a1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/a1/unmount", null, ok), admin, "admin", "unmount", "a1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/a1/rename", new { newName = "a2" }, ok), admin, "admin", "rename", "a1", "succeeded", false);

        var activation = await RunAsync("admin", HttpMethod.Post, "bes/a2/activate", new { }, ok);
        AssertRow(activation, admin, "admin", "activate", "a2", "succeeded", false);
        Assert.Equal(active, activation.GetProperty("fromBe").GetString());
        Assert.Equal("a2", activation.GetProperty("toBe").GetString());
        var back = await RunAsync("admin", HttpMethod.Post, $"bes/{active}/activate", null, ok);
        Assert.Equal(("a2", active), (back.GetProperty("fromBe").GetString(), back.GetProperty("toBe").GetString()));
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/a2/activate", new { temporary = true }, ok), admin, "admin", "activate-once", "a2", "succeeded", false);
        await RunAsync("admin", HttpMethod.Post, $"bes/{active}/activate", null, ok);

        AssertRow(await RunAsync("admin", HttpMethod.Delete, $"bes/{booted}", null, HttpStatusCode.Conflict), admin, "admin", "destroy", booted, "refused", false);
        AssertRow(await RunAsync("operator", HttpMethod.Delete, "bes/a2", null, HttpStatusCode.Forbidden),
            ApiHost.TokenName("operator"), "operator", "destroy", "a2", "refused", false);
        AssertRow(await RunAsync("admin", HttpMethod.Delete, "bes/a2?dryRun=true", null, ok), admin, "admin", "destroy", "a2", "succeeded", true);
        AssertRow(await RunAsync("admin", HttpMethod.Delete, "bes/a2", null, ok), admin, "admin", "destroy", "a2", "succeeded", false);

        AssertRow(await RunAsync("admin", HttpMethod.Post, "shared/init", null, ok), admin, "admin", "shared-init", null, "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "bes/2026.09/migrate-shared", null, ok), admin, "admin", "migrate-shared", "2026.09", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "zones", new { name = "z1" }, ok), admin, "admin", "zone-create", "z1", "succeeded", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "zones", new { name = "z1" }, HttpStatusCode.Conflict), admin, "admin", "zone-create", "z1", "refused", false);
        AssertRow(await RunAsync("admin", HttpMethod.Delete, "zones/z1", null, ok), admin, "admin", "zone-destroy", "z1", "succeeded", false);
        AssertRow(await RunAsync("auditor", HttpMethod.Post, "host/reboot", null, HttpStatusCode.Forbidden),
            ApiHost.TokenName("auditor"), "auditor", "reboot", null, "refused", false);
        AssertRow(await RunAsync("admin", HttpMethod.Post, "host/reboot", null, ok), admin, "admin", "reboot", null, "succeeded", false);

        var (_, after) = await host.AuditAsync("pageSize=1");
        Assert.Equal(before + 23, after);
        var verify = await host.GetJsonAsync("auditor", "api/v1/audit/verify");
        Assert.True(verify.GetProperty("intact").GetBoolean());
    }

    [Fact]
    public async Task AuditQuery_FilterByActionAndOutcome_ReturnsOnlyThoseRows()
    {
        await RunAsync("auditor", HttpMethod.Post, "bes?dryRun=true", new { name = "f1" }, HttpStatusCode.Forbidden);

        var (rows, total) = await host.AuditAsync($"actor={ApiHost.TokenName("auditor")}&action=create&outcome=refused");

        Assert.True(total >= 1);
        Assert.All(rows, r => Assert.Equal(("create", "refused"), (r.GetProperty("action").GetString(), r.GetProperty("outcome").GetString())));
    }

    [Fact]
    public async Task AuditCsv_AsAuditor_IsAnAttachmentWithHeaderAndRows()
    {
        await RunAsync("operator", HttpMethod.Post, "bes?dryRun=true", new { name = "csv1" }, HttpStatusCode.OK);

        using var response = await host.SendAsync("auditor", HttpMethod.Get, "api/v1/audit.csv?target=csv1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var lines = (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,time,actor", lines[0]);
        Assert.Contains(lines.Skip(1), l => l.Contains(",create,csv1,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditQuery_PageSizeTooLarge_Is400Problem()
    {
        using var response = await host.SendAsync("admin", HttpMethod.Get, "api/v1/audit?pageSize=100000");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
