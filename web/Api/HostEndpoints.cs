using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

public static class HostEndpoints
{
    public static void MapHostEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("host", GetHostAsync);
        // The in-process boot of the simulator and lab pools; Permissions makes it admin only.
        api.MapPost("host/reboot", (AuditedOperations operations, HttpContext http, bool? dryRun, string? planToken) =>
            operations.RunAsync(http, new RebootHost(), dryRun ?? false, planToken));
    }

    private static async Task<Ok<HostState>> GetHostAsync(HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await http.LatestStateAsync(ct));
}
