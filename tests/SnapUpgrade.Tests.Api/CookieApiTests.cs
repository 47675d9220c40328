using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>The browser's cookie works on the API too, with the same role rules; the first start's admin.</summary>
public sealed class CookieApiTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    public async Task Api_WithTheAuditorsCookie_ReadsButChangingCallsNeedABearerToken()
    {
        await host.Services.GetRequiredService<IAccounts>().AddAsync("cookie-auditor", Role.Auditor, "cookie-password-777", TestContext.Current.CancellationToken);
        var (client, login) = await host.LoginAsync("cookie-auditor", "cookie-password-777");
        using var _ = client;

        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/host", TestContext.Current.CancellationToken)).StatusCode);
        using var create = await client.PostAsync("api/v1/bes?dryRun=true", System.Net.Http.Json.JsonContent.Create(new { name = "c1" }), TestContext.Current.CancellationToken);
        // ADR 0011: the cookie never changes anything, so the attempt never reaches the engine or the audit trail.
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        var (rows, _) = await host.AuditAsync("actor=cookie-auditor");
        Assert.Empty(rows);
    }

    [Fact]
    public async Task Cookie_PasswordResetAfterLogin_EndsTheSessionButANewLoginWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        var accounts = host.Services.GetRequiredService<IAccounts>();
        await accounts.AddAsync("resetting", Role.Operator, "resetting-password-1", ct);
        var (client, _) = await host.LoginAsync("resetting", "resetting-password-1");
        using var _c = client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/host", ct)).StatusCode);

        await accounts.SetPasswordAsync("resetting", "resetting-password-2", ct);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/host", ct)).StatusCode);
        var (again, _) = await host.LoginAsync("resetting", "resetting-password-2");
        using var _a = again;
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("api/v1/host", ct)).StatusCode);
    }

    [Fact]
    public async Task Cookie_AccountRemovedAfterLogin_NoLongerAuthenticates()
    {
        var accounts = host.Services.GetRequiredService<IAccounts>();
        await accounts.AddAsync("short-stay", Role.Operator, "short-stay-password-1", TestContext.Current.CancellationToken);
        var (client, _) = await host.LoginAsync("short-stay", "short-stay-password-1");
        using var _c = client;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/host", TestContext.Current.CancellationToken)).StatusCode);

        await accounts.RemoveAsync("short-stay", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/v1/host", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Login_AfterRepeatedFailures_IsLockedOutWithTheSameGenericMessage()
    {
        await host.Services.GetRequiredService<IAccounts>().AddAsync("locked-out", Role.Operator, "the-right-password-1", TestContext.Current.CancellationToken);
        for (var i = 0; i < 5; i++)
        {
            var (failed, _) = await host.LoginAsync("locked-out", "a-wrong-password-" + i);
            failed.Dispose();
        }

        var (client, answer) = await host.LoginAsync("locked-out", "the-right-password-1");
        using var _c = client;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("Wrong name or password.", await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var account = await host.Services.GetRequiredService<IAccounts>().FindAsync("locked-out", TestContext.Current.CancellationToken);
        Assert.NotNull(account!.LockedUntil);
    }

    [Fact]
    public async Task Login_WrongPassword_StaysOnTheFormWithTheGenericMessageAndNoCookie()
    {
        var (client, answer) = await host.LoginAsync("admin", "not-the-admin-password");
        using var _ = client;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("Wrong name or password.", await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.False(answer.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("snapupgrade=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Login_ReturnUrlToAnotherHost_GoesHomeInstead()
    {
        var password = File.ReadAllLines(FirstStart.PasswordFile(host.DataDir)).Single(l => l.StartsWith("operator:", StringComparison.Ordinal))[9..];
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var form = await client.GetStringAsync("login?returnUrl=%2F%2Fevil.example", TestContext.Current.CancellationToken);

        using var answer = await client.PostAsync("login?returnUrl=%2F%2Fevil.example", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = LoginForm.Antiforgery(form),
            [LoginForm.FieldName(form, "login-name")] = "operator",
            [LoginForm.FieldName(form, "login-password")] = password,
        }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Equal("/", answer.Headers.Location!.IsAbsoluteUri ? answer.Headers.Location.AbsolutePath : answer.Headers.Location.OriginalString);
        Assert.NotEqual("evil.example", answer.Headers.Location.IsAbsoluteUri ? answer.Headers.Location.Host : "");
    }

    [Fact]
    public async Task Logout_WithoutAntiforgeryToken_IsRefused()
    {
        var password = File.ReadAllLines(FirstStart.PasswordFile(host.DataDir)).Single(l => l.StartsWith("admin:", StringComparison.Ordinal))[6..];
        var (client, _) = await host.LoginAsync("admin", password);
        using var _c = client;

        using var logout = await client.PostAsync("logout", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, logout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/host", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void FirstStart_NoAccounts_WritesThePasswordFileAndLogsWhereButNeverThePassword()
    {
        var line = Assert.Single(File.ReadAllLines(FirstStart.PasswordFile(host.DataDir)), l => l.StartsWith("admin:", StringComparison.Ordinal));
        var password = line[6..];

        Assert.DoesNotContain(host.Logs.Events, e => e.Contains(password, StringComparison.Ordinal));
        var mention = Assert.Single(host.Logs.Events, e => e.Contains("created the account 'admin'", StringComparison.Ordinal));
        Assert.Contains("\"Level\":\"Warning\"", mention);
        Assert.Contains(FirstStart.PasswordFile(host.DataDir), mention);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FirstStart.PasswordFile(host.DataDir)));
    }
}
