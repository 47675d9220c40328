using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Web.Api;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>Bad input is a 4xx problem, never a 500, and never reaches the engine half-read.</summary>
public sealed class BadBodyTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    public static TheoryData<string, string, string?, string, int, string?> Bodies() => new()
    {
        // name, path, raw body, content type, status, engine code
        { "unknown field", "bes", """{"name":"b1","colour":"red"}""", "application/json", 400, null },
        { "wrong type", "bes", """{"name":42}""", "application/json", 400, null },
        { "wrong type (bool)", "bes/2026.11/activate", """{"temporary":"yes"}""", "application/json", 400, null },
        { "bad JSON", "bes", """{"name":"b1" """, "application/json", 400, null },
        { "not JSON at all", "bes", "name=b1", "application/json", 400, null },
        { "empty body", "bes", null, "application/json", 400, null },
        { "missing required member", "bes/2026.11/rename", "{}", "application/json", 400, null },
        { "null for a required member", "bes", """{"name":null}""", "application/json", 400, null },
        { "oversize body", "bes", $$"""{"name":"b1","description":"{{new string('x', 70 * 1024)}}"}""", "application/json", 413, null },
        { "bad BE name", "bes", """{"name":"../etc"}""", "application/json", 400, "InvalidName" },
        { "description with a new line", "bes", """{"name":"ok-name","description":"a\nb"}""", "application/json", 400, "InvalidDescription" },
        { "bad new name", "bes/2026.09/rename", """{"newName":"a b"}""", "application/json", 400, "InvalidName" },
        { "bad zone name", "zones", """{"name":"z/1"}""", "application/json", 400, "InvalidName" },
        { "bad snapshot name", "bes/2026.11/snapshots", """{"snapshot":"x@y"}""", "application/json", 400, "InvalidName" },
        { "unknown BE", "bes/nope/activate", "{}", "application/json", 404, "NotFound" },
        { "wrong content type", "bes", """{"name":"b1"}""", "text/plain", 415, null },
        { "empty form on an optional body", "bes/2026.11/activate", "", "application/x-www-form-urlencoded", 415, null },
        { "form on an endpoint without body", "bes/2026.11/unmount", "a=b", "application/x-www-form-urlencoded", 415, null },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Post_BadBody_IsAProblemNotA500(string what, string path, string? raw, string contentType, int status, string? code)
    {
        var (_, before) = await host.AuditAsync("pageSize=1");

        using var response = await host.SendAsync("admin", HttpMethod.Post, "api/v1/" + path, raw: raw ?? "", contentType: contentType);

        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == (int)response.StatusCode, $"{what}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        var (_, after) = await host.AuditAsync("pageSize=1");
        if (code is null)
        {
            // Refused before any operation was formed: nothing reached the engine, nothing to audit;
            // the code says what the request got wrong (BadRequest, BodyTooLarge, UnsupportedMediaType).
            Assert.Equal(RequestErrors.For(status).ToString(), problem.GetProperty("code").GetString());
            Assert.Equal(before, after);
        }
        else
        {
            Assert.Equal(code, problem.GetProperty("code").GetString());
            Assert.Equal(before + 1, after);
        }
    }

    [Fact]
    public async Task Audit_BadDateFilter_Is400Problem()
    {
        using var response = await host.SendAsync("auditor", HttpMethod.Get, "api/v1/audit?from=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("BadRequest", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Activate_NoBodyAtAll_UsesTheDefaults()
    {
        using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes/2026.11/activate?dryRun=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("activate", result.GetProperty("action").GetString());
    }
}
