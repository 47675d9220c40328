using System.Net;
using System.Text;
using System.Text.Json;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// ADR 0011: the session cookie reads the API, it never changes anything; a changing call takes a
/// bearer token, which no other page can make a browser send. A page on another port of this host
/// is the same site (the SameSite=Strict cookie goes along), so these send the cookie as it would.
/// </summary>
public sealed class CrossSiteTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    private const string OtherPort = "http://localhost:8081";

    [Fact]
    public async Task CrossSiteFormPost_WithTheAdminsCookie_IsRefusedAndActivatesNothing()
    {
        var (browser, target, before) = await SignedInAdminAsync();
        using var _ = browser;
        var (_, auditBefore) = await host.AuditAsync("pageSize=1");

        // What <form method=post action=".../activate"> with no inputs sends: an empty form body.
        // Routing refuses it before sign-in (the endpoint accepts JSON only): 415.
        using var answer = await SendFromOtherPortAsync(browser, $"api/v1/bes/{target}/activate", new FormUrlEncodedContent([]));

        await AssertProblemAsync(answer, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType");
        Assert.Equal(before, await ActiveOnRebootAsync());
        Assert.Equal(auditBefore, (await host.AuditAsync("pageSize=1")).Total);
    }

    [Fact]
    public async Task CrossSiteFormPost_WithTheAdminsCookie_ToAnEndpointWithoutBody_IsUnauthorizedAndNeverReachesTheEngine()
    {
        var (browser, _, _) = await SignedInAdminAsync();
        using var _b = browser;
        var (_, auditBefore) = await host.AuditAsync("pageSize=1");

        using var answer = await SendFromOtherPortAsync(browser, "api/v1/host/reboot", new FormUrlEncodedContent([]));

        await AssertProblemAsync(answer, HttpStatusCode.Unauthorized, "Unauthorized");
        // Every attempt that reaches the engine is audited, a refused one too: no row, no attempt.
        Assert.Equal(auditBefore, (await host.AuditAsync("pageSize=1")).Total);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("multipart")]
    [InlineData("json")]
    [InlineData("none")]
    public async Task CookiePost_WithoutABearerToken_Is401AndNeverReachesTheEngine(string body)
    {
        var ct = TestContext.Current.CancellationToken;
        var (browser, _, _) = await SignedInAdminAsync();
        using var _b = browser;
        var (_, auditBefore) = await host.AuditAsync("pageSize=1");
        HttpContent? content = body switch
        {
            "text" => new StringContent("{}", Encoding.UTF8, "text/plain"),
            "multipart" => new MultipartFormDataContent { { new StringContent("x"), "x" } },
            "json" => new StringContent("{}", Encoding.UTF8, "application/json"),
            _ => null,
        };

        using var answer = await browser.PostAsync("api/v1/shared/init?dryRun=true", content, ct);

        var problem = await AssertProblemAsync(answer, HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Contains("Bearer", problem.GetProperty("detail").GetString());
        Assert.Equal("Bearer", answer.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Null(answer.Headers.Location);
        Assert.Equal(auditBefore, (await host.AuditAsync("pageSize=1")).Total);
    }

    [Fact]
    public async Task CookieJsonPost_ToActivate_Is401AndActivatesNothing()
    {
        var (browser, target, before) = await SignedInAdminAsync();
        using var _ = browser;

        using var answer = await browser.PostAsync($"api/v1/bes/{target}/activate", new StringContent("{}", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

        await AssertProblemAsync(answer, HttpStatusCode.Unauthorized, "Unauthorized");
        Assert.Equal(before, await ActiveOnRebootAsync());
    }

    [Fact]
    public async Task CookieGet_OfTheApi_StillReads()
    {
        var (browser, _, _) = await SignedInAdminAsync();
        using var _b = browser;

        using var answer = await browser.GetAsync("api/v1/bes", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task BearerEmptyFormPost_OnAnOptionalBody_Is415AndActivatesNothing()
    {
        var (target, before) = await TargetAsync();
        var (_, auditBefore) = await host.AuditAsync("pageSize=1");

        using var answer = await host.SendAsync("admin", HttpMethod.Post, $"api/v1/bes/{target}/activate", raw: "", contentType: "application/x-www-form-urlencoded");

        await AssertProblemAsync(answer, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType");
        Assert.Equal(before, await ActiveOnRebootAsync());
        Assert.Equal(auditBefore, (await host.AuditAsync("pageSize=1")).Total);
    }

    [Fact]
    public async Task BearerPost_WithJsonAndNoAntiforgeryToken_Runs()
    {
        using var answer = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes?dryRun=true", new { name = "by-token" });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    /// <summary>A browser signed in as admin (the cookie), and <see cref="TargetAsync"/>.</summary>
    private async Task<(HttpClient Browser, string Target, string ActiveOnReboot)> SignedInAdminAsync()
    {
        var password = File.ReadAllLines(FirstStart.PasswordFile(host.DataDir)).Single(l => l.StartsWith("admin:", StringComparison.Ordinal))[6..];
        var (browser, login) = await host.LoginAsync("admin", password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var (target, active) = await TargetAsync();
        return (browser, target, active);
    }

    /// <summary>A BE that is not active on reboot (activating it would show), and the one that is.</summary>
    private async Task<(string Target, string ActiveOnReboot)> TargetAsync()
    {
        var active = await ActiveOnRebootAsync();
        var bes = await host.GetJsonAsync("admin", "api/v1/bes");
        return (bes.EnumerateArray().Select(b => b.GetProperty("name").GetString()!).First(n => n != active), active);
    }

    /// <summary>A POST as a page on another port of this host makes it: the browser adds the cookie, Origin and Referer.</summary>
    private static async Task<HttpResponseMessage> SendFromOtherPortAsync(HttpClient browser, string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("Origin", OtherPort);
        request.Headers.Referrer = new Uri(OtherPort + "/innocent.html");
        return await browser.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private async Task<string> ActiveOnRebootAsync() =>
        (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("activeOnReboot").GetProperty("name").GetString()!;

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage answer, HttpStatusCode status, string code)
    {
        var text = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == answer.StatusCode, $"{(int)answer.StatusCode} {text}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
