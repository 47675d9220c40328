using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Web.Extensions;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// TLS ends in a reverse proxy on this host: a login the proxy forwards with <c>X-Forwarded-Proto: https</c>
/// gets Secure cookies; the same header from an address that is not a trusted proxy (127.0.0.2, also on
/// the loopback: the default trusts 127.0.0.1 and ::1 only) is ignored. Real sockets, real cookies.
/// </summary>
public sealed class TrustedProxyTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    public async Task Login_ForwardedAsHttpsByTheTrustedProxy_SetsSecureCookies()
    {
        await host.Services.GetRequiredService<IAccounts>().AddAsync("proxied", Role.Operator, "proxied-password-1", TestContext.Current.CancellationToken);

        var cookies = await LoginAsync(IPAddress.Loopback, "proxied", "proxied-password-1");

        Assert.Contains(cookies, c => c.StartsWith("snapupgrade=", StringComparison.Ordinal));
        Assert.All(cookies, c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Login_ClaimingHttpsFromAnUntrustedAddress_SetsNoSecureCookie()
    {
        await host.Services.GetRequiredService<IAccounts>().AddAsync("claiming", Role.Operator, "claiming-password-1", TestContext.Current.CancellationToken);

        var cookies = await LoginAsync(IPAddress.Parse("127.0.0.2"), "claiming", "claiming-password-1");

        Assert.Contains(cookies, c => c.StartsWith("snapupgrade=", StringComparison.Ordinal));
        Assert.All(cookies, c => Assert.DoesNotContain("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("10.0.0.0/8")]
    public void Setting_NotAnAddress_StopsTheStartWithItsName(string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new($"{TrustedProxies.Setting}:0", value)]).Build();

        var refused = Assert.Throws<InvalidHostSettingsException>(() => new ServiceCollection().AddTrustedProxies(configuration));

        Assert.Contains(TrustedProxies.Setting, string.Join(' ', refused.Problems));
    }

    /// <summary>
    /// The login form shown and posted from <paramref name="source"/>, each request saying it came in
    /// over HTTPS; returns every Set-Cookie of both answers. Cookies are carried by hand: a cookie jar
    /// would not send a Secure cookie back over this plain-HTTP hop, as the proxy does.
    /// </summary>
    private async Task<IReadOnlyList<string>> LoginAsync(IPAddress source, string name, string password)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = FromAddress.Client(host.BaseAddress, source, cookieJar: false);
        using var form = new HttpRequestMessage(HttpMethod.Get, "login");
        form.Headers.Add("X-Forwarded-Proto", "https");
        using var shown = await client.SendAsync(form, ct);
        var html = await shown.Content.ReadAsStringAsync(ct);
        var set = SetCookies(shown);

        using var post = new HttpRequestMessage(HttpMethod.Post, "login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = LoginForm.Antiforgery(html),
                [LoginForm.FieldName(html, "login-name")] = name,
                [LoginForm.FieldName(html, "login-password")] = password,
            }),
        };
        post.Headers.Add("X-Forwarded-Proto", "https");
        post.Headers.Add("Cookie", string.Join("; ", set.Select(c => c.Split(';', 2)[0])));
        using var answer = await client.SendAsync(post, ct);

        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode); // signed in
        return [.. set, .. SetCookies(answer)];
    }

    private static List<string> SetCookies(HttpResponseMessage answer) =>
        answer.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : [];
}
