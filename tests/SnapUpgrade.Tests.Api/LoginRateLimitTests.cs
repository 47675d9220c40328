using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Web.Auth;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Login POSTs per client address: the default limit, then 429 problem details with Retry-After,
/// for a right password too; another address (127.0.0.2 on the loopback) is not affected. Each try
/// uses another name, so the per-account lockout never answers in its place.
/// </summary>
public sealed class LoginRateLimitTests(LoginRateLimitTests.Host host) : IClassFixture<LoginRateLimitTests.Host>
{
    /// <summary>The documented default; the other test hosts raise it (they sign in often from one address).</summary>
    public sealed class Host : SimulatedApiHost
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            [LoginRateLimit.Setting] = LoginRateLimit.DefaultAttemptsPerMinute.ToString(CultureInfo.InvariantCulture),
        };
    }

    [Fact]
    public async Task Login_OverTheLimitFromOneAddress_Is429WithRetryAfterWhileAnotherAddressMayStillTry()
    {
        var ct = TestContext.Current.CancellationToken;
        await host.Services.GetRequiredService<IAccounts>().AddAsync("limited", Role.Operator, "the-right-password-9", ct);
        using var loopback = FromAddress.Client(host.BaseAddress, IPAddress.Loopback);
        for (var i = 0; i < LoginRateLimit.DefaultAttemptsPerMinute; i++)
        {
            using var refused = await ApiHost.PostLoginAsync(loopback, $"nobody-{i}", "a-wrong-password");
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the form again, "Wrong name or password."
        }

        using var limited = await ApiHost.PostLoginAsync(loopback, "limited", "the-right-password-9");

        var text = await limited.Content.ReadAsStringAsync(ct);
        Assert.True(limited.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)limited.StatusCode} {text}");
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal("TooManyRequests", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        Assert.InRange(limited.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1, 1, 60);
        Assert.False(limited.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("snapupgrade=", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.OK, (await loopback.GetAsync("login", ct)).StatusCode); // the form is still shown

        using var other = FromAddress.Client(host.BaseAddress, IPAddress.Parse("127.0.0.2"));
        using var signedIn = await ApiHost.PostLoginAsync(other, "limited", "the-right-password-9");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("ten")]
    public void Setting_NotAPositiveWholeNumber_StopsTheStartWithItsName(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(LoginRateLimit.Setting, value)]).Build();

        var refused = Assert.Throws<InvalidHostSettingsException>(() => new ServiceCollection().AddLoginRateLimit(configuration));

        Assert.Contains(LoginRateLimit.Setting, string.Join(' ', refused.Problems));
    }
}
