using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

/// <summary>The shared datasets and, per BE and zone BE, the health of each fixed directory: read now for
/// a mounted BE, else as the last check found it (<see cref="BeSharedHealth.CheckedAt"/>), or not checked yet.</summary>
public sealed record SharedView(IReadOnlyList<SharedDataset> Datasets, SharedHealthReport Health);

public static class SharedEndpoints
{
    public static void MapSharedEndpoints(this RouteGroupBuilder api)
    {
        // Never mounts anything: any role may read it as often as it likes.
        api.MapGet("shared", GetAsync);
        // A fresh look inside every unmounted BE (each mounted for a moment): an audited operation, operators and admins.
        api.MapPost("shared/check", (AuditedOperations ops, HttpContext http, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new CheckSharedHealth(), dryRun ?? false, planToken));
        api.MapPost("shared/init", (AuditedOperations ops, HttpContext http, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new InitShared(), dryRun ?? false, planToken));
    }

    private static async Task<Ok<SharedView>> GetAsync(HttpContext http, IEngine engine, CancellationToken ct)
    {
        var state = await http.LatestStateAsync(ct);
        return TypedResults.Ok(new SharedView(state.SharedDatasets, await engine.GetSharedHealthAsync(ct)));
    }
}
