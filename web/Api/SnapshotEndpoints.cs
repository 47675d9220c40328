using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

public static class SnapshotEndpoints
{
    public static void MapSnapshotEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("bes/{name}/snapshots", ListAsync);
        api.MapPost("bes/{name}/snapshots", (AuditedOperations ops, HttpContext http, string name, [FromBody] SnapshotRequest? body, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new SnapshotBe(name, body?.Snapshot), dryRun ?? false, planToken));
        api.MapDelete("bes/{name}/snapshots/{snap}", (AuditedOperations ops, HttpContext http, string name, string snap, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new DestroySnapshot(name, snap), dryRun ?? false, planToken));
        api.MapPost("bes/{name}/rollback", (AuditedOperations ops, HttpContext http, string name, RollbackRequest body, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new RollbackBe(name, body.Snapshot, body.DestroyLaterSnapshots), dryRun ?? false, planToken));
    }

    private static async Task<Results<Ok<IReadOnlyList<Snapshot>>, ProblemHttpResult>> ListAsync(HttpContext http, string name, CancellationToken ct) =>
        (await http.LatestStateAsync(ct)).Find(name) is { } be
            ? TypedResults.Ok(be.Snapshots)
            : OperationProblems.For(new OperationError(ErrorCode.NotFound, $"There is no boot environment '{name}'."));
}
