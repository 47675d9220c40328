using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Every endpoint x {admin, operator, auditor, anonymous, revoked token, expired token}. Mutating
/// calls are dry runs, so the demo host does not drift; each attempt that got past sign-in must leave
/// exactly one audit row (dry runs and refusals included), and a 401 must leave none.
/// </summary>
public sealed class RoleMatrixTests(RoleMatrixTests.Host host) : IClassFixture<RoleMatrixTests.Host>
{
    /// <summary>The demo host plus a BE <c>spare</c> (neither booted nor active) with a snapshot <c>s1</c>, made as admin.</summary>
    public sealed class Host : SimulatedApiHost
    {
        public override async ValueTask InitializeAsync()
        {
            await base.InitializeAsync();
            (await SendAsync("admin", HttpMethod.Post, "api/v1/bes", new { name = "spare" })).EnsureSuccessStatusCode();
            (await SendAsync("admin", HttpMethod.Post, "api/v1/bes/spare/snapshots", new { snapshot = "s1" })).EnsureSuccessStatusCode();
        }
    }

    /// <param name="Action">The audit action of a mutating endpoint; null for reads.</param>
    public sealed record Case(string Method, string Path, object? Body, int Admin, int Operator, int Auditor, string? Action = null, string? Target = null);

    private const int Ok = 200, Bad = 400, Forbidden = 403, NotFound = 404, Conflict = 409;

    public static readonly IReadOnlyDictionary<string, Case> Cases = new Dictionary<string, Case>
    {
        ["GET host"] = new("GET", "host", null, Ok, Ok, Ok),
        ["GET bes"] = new("GET", "bes", null, Ok, Ok, Ok),
        ["GET bes/{name}"] = new("GET", "bes/2026.10", null, Ok, Ok, Ok),
        ["GET bes/{missing}"] = new("GET", "bes/nope", null, NotFound, NotFound, NotFound),
        ["GET bes/{name}/snapshots"] = new("GET", "bes/spare/snapshots", null, Ok, Ok, Ok),
        ["GET shared"] = new("GET", "shared", null, Ok, Ok, Ok),
        ["GET zones"] = new("GET", "zones", null, Ok, Ok, Ok),
        ["GET audit"] = new("GET", "audit", null, Ok, Ok, Ok),
        ["GET audit.csv"] = new("GET", "audit.csv", null, Ok, Ok, Ok),
        ["GET audit/verify"] = new("GET", "audit/verify", null, Ok, Ok, Ok),
        ["POST bes"] = new("POST", "bes", new { name = "m1" }, Ok, Ok, Forbidden, "create", "m1"),
        ["POST bes (bad name)"] = new("POST", "bes", new { name = "no way" }, Bad, Bad, Forbidden, "create", "no way"),
        ["POST activate"] = new("POST", "bes/spare/activate", new { }, Ok, Ok, Forbidden, "activate", "spare"),
        ["POST activate once"] = new("POST", "bes/spare/activate", new { temporary = true }, Ok, Ok, Forbidden, "activate-once", "spare"),
        ["POST rename"] = new("POST", "bes/spare/rename", new { newName = "m2" }, Ok, Forbidden, Forbidden, "rename", "spare"),
        ["DELETE bes/{name}"] = new("DELETE", "bes/spare?forceUnmount=true", null, Ok, Forbidden, Forbidden, "destroy", "spare"),
        ["DELETE bes/{booted}"] = new("DELETE", "bes/2026.10", null, Conflict, Forbidden, Forbidden, "destroy", "2026.10"),
        ["POST mount"] = new("POST", "bes/spare/mount", new { }, Ok, Ok, Forbidden, "mount", "spare"),
        ["POST mount read-write"] = new("POST", "bes/spare/mount", new { sharedReadWrite = true }, Ok, Forbidden, Forbidden, "mount-rw", "spare"),
        ["POST unmount (not mounted)"] = new("POST", "bes/spare/unmount", null, Conflict, Conflict, Forbidden, "unmount", "spare"),
        ["POST snapshots"] = new("POST", "bes/spare/snapshots", new { snapshot = "m3" }, Ok, Ok, Forbidden, "snapshot", "spare"),
        ["DELETE snapshots/{snap}"] = new("DELETE", "bes/spare/snapshots/s1", null, Ok, Forbidden, Forbidden, "destroy-snapshot", "spare@s1"),
        ["POST rollback"] = new("POST", "bes/spare/rollback", new { snapshot = "s1" }, Ok, Forbidden, Forbidden, "rollback", "spare@s1"),
        ["POST shared/check"] = new("POST", "shared/check", null, Ok, Ok, Forbidden, "shared-check"),
        ["POST shared/init"] = new("POST", "shared/init", null, Ok, Forbidden, Forbidden, "shared-init"),
        ["POST migrate-shared"] = new("POST", "bes/2026.09/migrate-shared", null, Ok, Forbidden, Forbidden, "migrate-shared", "2026.09"),
        ["POST zones"] = new("POST", "zones", new { name = "z1" }, Ok, Forbidden, Forbidden, "zone-create", "z1"),
        ["DELETE zones/{name}"] = new("DELETE", "zones/db", null, Ok, Forbidden, Forbidden, "zone-destroy", "db"),
        ["POST host/reboot"] = new("POST", "host/reboot", null, Ok, Forbidden, Forbidden, "reboot"),
        ["POST clear-upgrade (no upgrade)"] = new("POST", "bes/spare/clear-upgrade", null, Conflict, Forbidden, Forbidden, "clear-upgrade", "spare"),
        ["GET upgrades"] = new("GET", "upgrades", null, Ok, Ok, Ok),
        ["GET upgrades/{missing}"] = new("GET", "upgrades/nope", null, NotFound, NotFound, NotFound),
        ["GET upgrades/{missing}/events"] = new("GET", "upgrades/nope/events", null, NotFound, NotFound, NotFound),
        ["POST upgrades"] = new("POST", "upgrades", new { name = "u1" }, Ok, Forbidden, Forbidden, "upgrade", "u1"),
        ["POST upgrades (bad name)"] = new("POST", "upgrades", new { name = "no way" }, Bad, Forbidden, Forbidden, "upgrade", "no way"),
    };

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
            foreach (var principal in ApiHost.Principals)
                data.Add(name, principal);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_AsPrincipal_AnswersTheRoleTablesStatusAndAuditsTheAttempt(string name, string principal)
    {
        var c = Cases[name];
        var expected = principal switch
        {
            "admin" => c.Admin,
            "operator" => c.Operator,
            "auditor" => c.Auditor,
            _ => 401,
        };
        var path = "api/v1/" + c.Path + (c.Action is null ? "" : (c.Path.Contains('?') ? "&" : "?") + "dryRun=true");
        var (_, totalBefore) = await host.AuditAsync("pageSize=1");

        using var response = await host.SendAsync(principal, new HttpMethod(c.Method), path, c.Body);

        Assert.Equal((HttpStatusCode)expected, response.StatusCode);
        var (rows, totalAfter) = await host.AuditAsync("pageSize=1");
        if (expected == 401 || c.Action is null)
        {
            Assert.Equal(totalBefore, totalAfter);
            return;
        }
        Assert.Equal(totalBefore + 1, totalAfter);
        var row = Assert.Single(rows);
        Assert.Equal(ApiHost.TokenName(principal), row.GetProperty("actor").GetString());
        Assert.Equal(principal, row.GetProperty("role").GetString());
        Assert.Equal(c.Action, row.GetProperty("action").GetString());
        Assert.Equal(c.Target, row.GetProperty("target").GetString());
        Assert.True(row.GetProperty("dryRun").GetBoolean());
        Assert.Equal(expected == Ok ? "succeeded" : "refused", row.GetProperty("outcome").GetString());
        Assert.Equal("127.0.0.1", row.GetProperty("source").GetString());
        if (expected != Ok)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(row.GetProperty("errorCode").GetString(), problem.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task DryRuns_OfTheWholeMatrix_LeaveTheHostAsItWas()
    {
        var bes = await host.GetJsonAsync("admin", "api/v1/bes");

        Assert.Equal(["2026.09", "2026.10", "2026.11", "spare"],
            bes.EnumerateArray().Select(b => b.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var zones = await host.GetJsonAsync("admin", "api/v1/zones");
        Assert.Equal(2, zones.GetArrayLength());
    }

    [Fact]
    public async Task OpenApi_Anonymous_DescribesTheBearerScheme()
    {
        using var response = await host.SendAsync(ApiHost.Anonymous, HttpMethod.Get, "openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("bearer", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/v1/bes/{name}/activate", out _));
        Assert.True(doc.GetProperty("paths").GetProperty("/api/v1/shared/check").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task ApiPath_AnonymousWithoutToken_Is401NotARedirect()
    {
        using var response = await host.SendAsync(ApiHost.Anonymous, HttpMethod.Get, "api/v1/host");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Page_Anonymous_RedirectsToLogin()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        using var response = await client.GetAsync("zones", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Healthz_Anonymous_IsHealthy()
    {
        using var response = await host.SendAsync(ApiHost.Anonymous, HttpMethod.Get, "healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
