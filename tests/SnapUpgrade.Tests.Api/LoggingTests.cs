using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>Request and operation logs are there, and never hold a token secret or a password.</summary>
public sealed partial class LoggingTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    public async Task Logs_AfterTokenCallsAndAPasswordLogin_HoldNeitherSecret()
    {
        const string password = "log-test-password-5150";
        await host.Services.GetRequiredService<IAccounts>().AddAsync("logger", Role.Operator, password, TestContext.Current.CancellationToken);
        var secret = host.Secrets["operator"];
        var revoked = host.Secrets[ApiHost.Revoked];

        (await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes?dryRun=true", new { name = "logged" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.SendAsync(ApiHost.Revoked, HttpMethod.Get, "api/v1/host")).StatusCode);
        var cookies = new System.Net.CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var form = await browser.GetStringAsync("login", TestContext.Current.CancellationToken);
        using var login = await browser.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = AntiforgeryField().Match(form).Groups[1].Value,
            [FieldName(form, "login-name")] = "logger",
            [FieldName(form, "login-password")] = password,
        }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        var events = host.Logs.Events;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", events));
        Assert.Contains(events, e => e.Contains("/api/v1/bes", StringComparison.Ordinal) && e.Contains("responded", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("signed in", StringComparison.Ordinal) && e.Contains("logger", StringComparison.Ordinal));
        foreach (var text in events.Append(ReadLogFiles()))
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[3..], text, StringComparison.Ordinal);
            Assert.DoesNotContain(revoked, text, StringComparison.Ordinal);
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        }
    }

    private string ReadLogFiles() => string.Concat(Directory.EnumerateFiles(Path.Combine(host.DataDir, "logs")).Select(path =>
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }));

    private static string FieldName(string form, string id) =>
        Regex.Match(form, $"""<input[^>]*id="{id}"[^>]*name="([^"]+)"|<input[^>]*name="([^"]+)"[^>]*id="{id}" """.TrimEnd()) is { Success: true } m
            ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            : throw new InvalidOperationException($"no input #{id} in the login form");

    [GeneratedRegex("""name="__RequestVerificationToken" value="([^"]+)" """)]
    private static partial Regex AntiforgeryField();
}
