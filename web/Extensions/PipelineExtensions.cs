using Serilog;
using SnapUpgrade.Web.Api;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Components;

namespace SnapUpgrade.Web.Extensions;

public static class PipelineExtensions
{
    /// <summary>Errors (API problems first, else the /error page), request logs, sign-in, antiforgery.</summary>
    public static void UseConsolePipeline(this WebApplication app)
    {
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseSerilogRequestLogging(o => o.EnrichDiagnosticContext = (diagnostics, http) =>
        {
            // Who, never how: no header, form or query value is logged (tokens and passwords live there).
            diagnostics.Set("User", http.User.Identity?.Name);
            diagnostics.Set("RemoteIp", http.Connection.RemoteIpAddress?.ToString());
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
    }

    /// <summary>Static files, /healthz and /openapi (anonymous), the API, logout and the pages.</summary>
    public static void MapConsoleEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapHealthChecks("/healthz").AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapApi();
        app.MapAccountEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }
}
