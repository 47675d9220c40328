using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Serilog;
using SnapUpgrade.Web.Api;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Components;

namespace SnapUpgrade.Web.Extensions;

public static class PipelineExtensions
{
    /// <summary>Forwarded headers, errors (API problems first, else the /error page), request logs, login rate limit, sign-in, antiforgery.</summary>
    public static void UseConsolePipeline(this WebApplication app)
    {
        // First: everything after it (request log, rate limit, cookie) sees the client's scheme and address.
        app.UseForwardedHeaders();
        // Outside the exception handler: it logs the status the client got, not the exception on its way.
        app.UseSerilogRequestLogging(o =>
        {
            // The host's logger (console, DataDir file), not the static start-up one the middleware would pick.
            o.Logger = app.Services.GetService<Serilog.ILogger>();
            o.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                // Who, never how: no header, form or query value is logged (tokens and passwords live there).
                diagnostics.Set("User", http.User.Identity?.Name);
                diagnostics.Set("RemoteIp", http.Connection.RemoteIpAddress?.ToString());
            };
        });
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        // Under /api an answer without a body (401, 403, routing's 404 and 405) becomes problem details;
        // RequestErrors.AddCode gives each its code.
        app.UseWhen(http => AuthExtensions.IsApi(http.Request), api => api.UseStatusCodePages());
        // After routing (the login page's endpoint names the policy), before the form is read.
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
    }

    /// <summary>"Healthy", or the status and why ("Unhealthy: The engine socket ... is missing ..."): a probe's log says what to fix.</summary>
    private static Task WriteHealthAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "text/plain; charset=utf-8";
        var reasons = report.Entries.Values.Where(e => e.Status != HealthStatus.Healthy).Select(e => e.Description).OfType<string>().ToList();
        return http.Response.WriteAsync(reasons.Count == 0 ? $"{report.Status}" : $"{report.Status}: {string.Join(" ", reasons)}");
    }

    /// <summary>Static files, /healthz and /openapi (anonymous), the API, logout and the pages.</summary>
    public static void MapConsoleEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapApi();
        app.MapAccountEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }
}
