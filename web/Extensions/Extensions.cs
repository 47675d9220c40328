using MudBlazor.Services;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Web.Api;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Components.Pages.Admin;

namespace SnapUpgrade.Web.Extensions;

public static class Extensions
{
    /// <summary>
    /// Everything the console needs: logging, the engine and its stores (in the web role: the engine's
    /// socket, ADR 0019), auth, the API, Blazor and MudBlazor.
    /// </summary>
    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.UseDefaultUrl();
        builder.AddLogging();
        var web = HostSettings.ReadRole(builder.Configuration) == ConsoleRole.Web;
        if (web) builder.Services.AddSnapUpgradeWeb(builder.Configuration);
        else builder.Services.AddSnapUpgradeHost(builder.Configuration);
        builder.Services.AddConsoleAuth();
        builder.Services.AddScoped<CurrentActor>();
        builder.Services.AddScoped<AdminAudit>();
        builder.Services.AddLoginRateLimit(builder.Configuration);
        builder.Services.AddTrustedProxies(builder.Configuration);
        builder.Services.AddApi();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        if (web) builder.Services.AddHealthChecks().AddCheck<EngineLinkHealthCheck>("engine");
        else builder.Services.AddHealthChecks().AddCheck<EngineHealthCheck>("engine");
    }

    /// <summary>http://localhost:5080 unless urls or ports are configured (launchSettings, ASPNETCORE_URLS, --urls).</summary>
    private static void UseDefaultUrl(this WebApplicationBuilder builder)
    {
        string[] keys = [WebHostDefaults.ServerUrlsKey, WebHostDefaults.HttpPortsKey, WebHostDefaults.HttpsPortsKey];
        if (keys.All(k => string.IsNullOrEmpty(builder.Configuration[k])))
            builder.WebHost.UseUrls(DefaultUrl);
    }

    public const string DefaultUrl = "http://localhost:5080";
}
