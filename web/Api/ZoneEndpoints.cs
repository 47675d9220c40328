using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

public static class ZoneEndpoints
{
    public static void MapZoneEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("zones", GetAsync);
        api.MapPost("zones", (AuditedOperations ops, HttpContext http, CreateZoneRequest body, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new CreateZone(body.Name), dryRun ?? false, planToken));
        api.MapDelete("zones/{name}", (AuditedOperations ops, HttpContext http, string name, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new DestroyZone(name), dryRun ?? false, planToken));
    }

    private static async Task<Ok<IReadOnlyList<Zone>>> GetAsync(HttpContext http, CancellationToken ct) =>
        TypedResults.Ok((await http.LatestStateAsync(ct)).Zones);
}
