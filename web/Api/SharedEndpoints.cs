using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

/// <summary>The shared datasets and, per BE and zone BE, the health of each fixed directory.</summary>
public sealed record SharedView(IReadOnlyList<SharedDataset> Datasets, SharedHealthReport Health);

public static class SharedEndpoints
{
    public static void MapSharedEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("shared", GetAsync);
        api.MapPost("shared/init", (AuditedOperations ops, HttpContext http, bool? dryRun) =>
            ops.RunAsync(http, new InitShared(), dryRun ?? false));
    }

    private static async Task<Ok<SharedView>> GetAsync(IEngine engine, CancellationToken ct)
    {
        var state = await engine.GetStateAsync(ct);
        return TypedResults.Ok(new SharedView(state.SharedDatasets, await engine.GetSharedHealthAsync(ct)));
    }
}
