using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// The answers the framework gives before an endpoint runs (routing, sign-in, limits) and an
/// unhandled exception: each is problem details with a <c>code</c>, and a 500 never shows the exception.
/// </summary>
public sealed class ApiProblemTests(ApiProblemTests.Host host) : IClassFixture<ApiProblemTests.Host>
{
    /// <summary>Token checks throw for one secret, as a broken database would: an exception no endpoint catches.</summary>
    public sealed class Host : SimulatedApiHost
    {
        public const string Breaking = "su_breaks-the-token-store";
        public const string Secret = "the database file is locked at /var/secret/path";

        protected override void ConfigureServices(IServiceCollection services) =>
            services.AddSingleton<ITokens>(sp => new ThrowingTokens(
                new SqliteTokens(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>())));

        private sealed class ThrowingTokens(ITokens tokens) : ITokens
        {
            public Task<(string Secret, ApiToken Token)> CreateAsync(string name, Role role, DateTimeOffset? expires, string createdBy, CancellationToken ct = default) =>
                tokens.CreateAsync(name, role, expires, createdBy, ct);

            public Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken ct = default) => tokens.ListAsync(ct);

            public Task<bool> RevokeAsync(string name, CancellationToken ct = default) => tokens.RevokeAsync(name, ct);

            public Task<ApiToken?> ValidateAsync(string secret, CancellationToken ct = default) =>
                secret == Breaking ? throw new InvalidOperationException(Secret) : tokens.ValidateAsync(secret, ct);
        }
    }

    [Fact]
    public async Task UnhandledException_UnderTheApi_Is500InternalWithoutTheException()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/host");
        request.Headers.Authorization = new("Bearer", Host.Breaking);

        using var answer = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        var text = await AssertProblemAsync(answer, HttpStatusCode.InternalServerError, "Internal");
        Assert.DoesNotContain(Host.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        // "its log has the details": the exception is in the log, once, with the request it broke (.NET 10 does not
        // log it itself). The answer's traceId (00-<trace>-<span>-00) finds this request's events among the class's.
        var trace = JsonDocument.Parse(text).RootElement.GetProperty("traceId").GetString()!.Split('-')[1];
        var logged = host.Logs.Events.Where(e => e.Contains($"\"TraceId\":\"{trace}\"", StringComparison.Ordinal)
            && e.Contains(Host.Secret, StringComparison.Ordinal)).ToList();
        Assert.True(logged.Count == 1, $"{logged.Count} log events of request {trace} name the exception");
        Assert.Contains("\"Level\":\"Error\"", logged[0], StringComparison.Ordinal);
        Assert.Contains(nameof(InvalidOperationException), logged[0], StringComparison.Ordinal);
        Assert.Contains("/api/v1/host", logged[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "api/v1/nope", "admin", HttpStatusCode.NotFound, "NoSuchEndpoint")]
    [InlineData("GET", "api/v2/bes", "admin", HttpStatusCode.NotFound, "NoSuchEndpoint")]
    [InlineData("PUT", "api/v1/bes", "admin", HttpStatusCode.MethodNotAllowed, "MethodNotAllowed")]
    [InlineData("POST", "api/v1/host", "admin", HttpStatusCode.MethodNotAllowed, "MethodNotAllowed")]
    [InlineData("GET", "api/v1/host", ApiHost.Anonymous, HttpStatusCode.Unauthorized, "Unauthorized")]
    [InlineData("POST", "api/v1/bes", ApiHost.Expired, HttpStatusCode.Unauthorized, "Unauthorized")]
    [InlineData("GET", "api/v1/audit?page=0", "auditor", HttpStatusCode.BadRequest, "BadRequest")]
    [InlineData("GET", "api/v1/audit?pageSize=x", "auditor", HttpStatusCode.BadRequest, "BadRequest")]
    [InlineData("GET", "api/v1/audit?from=2026-13-45", "auditor", HttpStatusCode.BadRequest, "BadRequest")]
    [InlineData("DELETE", "api/v1/bes/2026.11?dryRun=maybe", "admin", HttpStatusCode.BadRequest, "BadRequest")]
    public async Task FrameworkAnswer_IsAProblemWithACode(string method, string path, string principal, HttpStatusCode status, string code)
    {
        using var answer = await host.SendAsync(principal, new HttpMethod(method), path);

        await AssertProblemAsync(answer, status, code);
    }

    [Theory]
    [InlineData("api/v1/nope", "admin", HttpStatusCode.NotFound, "NoSuchEndpoint")]
    [InlineData("api/v1/host", ApiHost.Anonymous, HttpStatusCode.Unauthorized, "Unauthorized")]
    [InlineData("api/v1/host", "breaking", HttpStatusCode.InternalServerError, "Internal")]
    public async Task FrameworkAnswer_ToAClientAskingForHtml_IsStillAProblemWithACode(string path, string principal, HttpStatusCode status, string code)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        if (principal != ApiHost.Anonymous)
            request.Headers.Authorization = new("Bearer", principal == "breaking" ? Host.Breaking : host.Secrets[principal]);

        using var answer = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertProblemAsync(answer, status, code);
    }

    [Fact]
    public async Task UnknownMember_IsNamedInTheProblem()
    {
        using var answer = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes?dryRun=true", raw: """{"name":"b1","colour":"red"}""");

        var text = await AssertProblemAsync(answer, HttpStatusCode.BadRequest, "BadRequest");
        Assert.Contains("colour", JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeclaredBodyOverTheLimit_OnAnEndpointWithoutBody_Is413()
    {
        var huge = new string(' ', (int)Web.Api.ApiExtensions.MaxBodyBytes + 1);

        using var answer = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes/2026.11/unmount?dryRun=true", raw: "{" + huge + "}");

        await AssertProblemAsync(answer, HttpStatusCode.RequestEntityTooLarge, "BodyTooLarge");
        Assert.True(answer.Headers.ConnectionClose);
    }

    private static async Task<string> AssertProblemAsync(HttpResponseMessage answer, HttpStatusCode status, string code)
    {
        var text = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == answer.StatusCode, $"{(int)answer.StatusCode} {text}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return text;
    }
}
