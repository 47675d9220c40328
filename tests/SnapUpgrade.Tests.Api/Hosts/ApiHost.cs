using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Web.Auth;
using Xunit;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>
/// The console on real Kestrel (a free loopback port) with a temp DataDir, and a bearer token for
/// each role (plus a revoked and an expired one) made through <see cref="ITokens"/>. Subclasses say
/// which backend it runs on. Real HTTP: body limits, remote addresses and parallel requests as deployed.
/// </summary>
public abstract class ApiHost : IAsyncLifetime
{
    public const string Anonymous = "anonymous";
    public const string Revoked = "revoked";
    public const string Expired = "expired";
    public static readonly string[] Principals = ["admin", "operator", "auditor", Anonymous, Revoked, Expired];

    private WebApplicationFactory<Program>? _factory;
    private readonly Dictionary<string, string> _secrets = [];

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"snapupgrade-api-{Guid.NewGuid():N}");
    public LogCapture Logs { get; } = new();
    public HttpClient Client { get; private set; } = default!;
    public Uri BaseAddress { get; private set; } = default!;
    public IServiceProvider Services => _factory!.Services;
    /// <summary>False when the backend's real part is missing (the tests then skip or fail through <c>Lane</c>).</summary>
    public bool Started => _factory is not null;

    /// <summary>The token name used for a principal (it is the audit trail's actor).</summary>
    public static string TokenName(string principal) => $"t-{principal}";

    public IReadOnlyDictionary<string, string> Secrets => _secrets;

    protected abstract Task<IReadOnlyDictionary<string, string?>?> PrepareAsync();

    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    /// <summary>Services a test host replaces (registered last, so they win).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async ValueTask InitializeAsync()
    {
        if (await PrepareAsync() is not { } settings) return;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Production").UseSetting("SnapUpgrade:DataDir", DataDir);
            // Every test signs in from 127.0.0.1, many within a minute; LoginRateLimitTests' host sets the limit it tests.
            web.UseSetting(LoginRateLimit.Setting, "1000");
            foreach (var (key, value) in settings.Concat(ExtraSettings)) web.UseSetting(key, value);
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<ILogEventSink>(Logs);
                ConfigureServices(services);
            });
        });
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        _factory = factory;
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address + "/");
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(3) };

        var tokens = Services.GetRequiredService<ITokens>();
        foreach (var role in Enum.GetValues<Role>())
            _secrets[Roles.Name(role)] = (await tokens.CreateAsync(TokenName(Roles.Name(role)), role, null, "test")).Secret;
        _secrets[Revoked] = (await tokens.CreateAsync(TokenName(Revoked), Role.Admin, null, "test")).Secret;
        Assert.True(await tokens.RevokeAsync(TokenName(Revoked)));
        // Made by a clock two days back with a one-hour expiry: expired for the console's real clock.
        var past = new SqliteTokens(Services.GetRequiredService<SqliteDatabase>(), new FixedClock(DateTimeOffset.UtcNow.AddDays(-2)));
        _secrets[Expired] = (await past.CreateAsync(TokenName(Expired), Role.Admin, DateTimeOffset.UtcNow.AddDays(-2).AddHours(1), "test")).Secret;
    }

    /// <summary>One request as <paramref name="principal"/>: a JSON body (object), a raw body (string), or none.</summary>
    public async Task<HttpResponseMessage> SendAsync(string principal, HttpMethod method, string path, object? body = null,
        string? raw = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (_secrets.TryGetValue(principal, out var secret))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        if (body is not null) request.Content = JsonContent.Create(body);
        else if (raw is not null) request.Content = new StringContent(raw, Encoding.UTF8, contentType);
        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<JsonElement> GetJsonAsync(string principal, string path)
    {
        using var response = await SendAsync(principal, HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    /// <summary>Signs in through the login form (antiforgery token and all); the client then carries the cookie.</summary>
    public async Task<(HttpClient Client, HttpResponseMessage Answer)> LoginAsync(string name, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        return (client, await PostLoginAsync(client, name, password));
    }

    /// <summary>Shows the login form in <paramref name="browser"/>, then posts it with its antiforgery token.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient browser, string name, string password)
    {
        var form = await browser.GetStringAsync("login", TestContext.Current.CancellationToken);
        return await browser.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = LoginForm.Antiforgery(form),
            [LoginForm.FieldName(form, "login-name")] = name,
            [LoginForm.FieldName(form, "login-password")] = password,
        }), TestContext.Current.CancellationToken);
    }

    /// <summary>The audit rows (newest first) matching a query string, read through the API as admin.</summary>
    public async Task<(IReadOnlyList<JsonElement> Rows, long Total)> AuditAsync(string query)
    {
        var page = await GetJsonAsync("admin", $"api/v1/audit?{query}");
        return ([.. page.GetProperty("entries").EnumerateArray()], page.GetProperty("total").GetInt64());
    }

    public virtual async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (_factory is not null) await CleanupFailures.GuardAsync(GetType().FullName!, _factory.DisposeAsync);
        try
        {
            if (Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // a log file still being closed: the temp dir is cleaned by the OS later
        }
        GC.SuppressFinalize(this);
    }
}
