using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using SnapUpgrade.Infra.Composition;

namespace SnapUpgrade.Web.Extensions;

/// <summary>
/// A reverse proxy that ends TLS (README, "TLS behind a proxy"): from the proxies listed in
/// <c>SnapUpgrade:TrustedProxies:0..n</c> (default 127.0.0.1 and ::1) the console believes
/// <c>X-Forwarded-Proto</c> and <c>X-Forwarded-For</c>, so a request the proxy got over HTTPS is HTTPS
/// here (the sign-in cookie, <c>SameAsRequest</c>, is then <c>Secure</c>) and the login rate limit and
/// the audit trail see the client, not the proxy. From any other address the headers are ignored:
/// a client could otherwise claim HTTPS, or another address, for itself.
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "SnapUpgrade:TrustedProxies";

    public static void AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var listed = configuration.GetSection(Setting).GetChildren().Select(c => c.Value).OfType<string>().ToList();
        var proxies = new List<IPAddress>();
        foreach (var text in listed)
        {
            if (!IPAddress.TryParse(text.Trim(), out var address))
                throw new InvalidHostSettingsException([$"{Setting} holds '{text}'; list IP addresses ({Setting}:0=127.0.0.1)."]);
            proxies.Add(address);
        }
        if (proxies.Count == 0) proxies = [IPAddress.Loopback, IPAddress.IPv6Loopback];

        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework's defaults trust all of 127.0.0.0/8 and ::1; the setting replaces them, it does not add.
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var proxy in proxies) o.KnownProxies.Add(proxy);
        });
    }
}
