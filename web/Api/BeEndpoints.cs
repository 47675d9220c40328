using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

public static class BeEndpoints
{
    public static void MapBeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("bes", async (HttpContext http, CancellationToken ct) =>
            TypedResults.Ok((await http.LatestStateAsync(ct)).BootEnvironments));
        api.MapGet("bes/{name}", GetBeAsync);
        api.MapPost("bes", (AuditedOperations ops, HttpContext http, CreateBeRequest body, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new CreateBe(body.Name, body.Source, body.Description), dryRun ?? false, planToken));
        api.MapPost("bes/{name}/activate", ActivationEndpoint.ActivateAsync);
        // A trial ({"temporary": true} activation) is kept by activating it; this goes back.
        api.MapPost("bes/{name}/go-back", (AuditedOperations ops, HttpContext http, string name, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new EndTrial(name), dryRun ?? false, planToken));
        api.MapPost("bes/{name}/rename", (AuditedOperations ops, HttpContext http, string name, RenameRequest body, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new RenameBe(name, body.NewName), dryRun ?? false, planToken));
        api.MapDelete("bes/{name}", (AuditedOperations ops, HttpContext http, string name, bool? forceUnmount, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new DestroyBe(name, forceUnmount ?? false), dryRun ?? false, planToken));
        api.MapPost("bes/{name}/mount", (AuditedOperations ops, HttpContext http, string name, [FromBody] MountRequest? body, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new MountBe(name, body?.Path, body?.SharedReadWrite ?? false), dryRun ?? false, planToken));
        api.MapPost("bes/{name}/unmount", (AuditedOperations ops, HttpContext http, string name, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new UnmountBe(name), dryRun ?? false, planToken));
        // An applied upgrade's staged tree and base snapshot go (issue 14); the BE stays.
        api.MapPost("bes/{name}/clear-upgrade", (AuditedOperations ops, HttpContext http, string name, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new ClearUpgrade(name), dryRun ?? false, planToken));
        api.MapPost("bes/{name}/migrate-shared", (AuditedOperations ops, HttpContext http, string name, bool? dryRun, string? planToken) =>
            ops.RunAsync(http, new MigrateShared(name), dryRun ?? false, planToken));
    }

    private static async Task<Results<Ok<BootEnvironment>, ProblemHttpResult>> GetBeAsync(HttpContext http, string name, CancellationToken ct) =>
        (await http.LatestStateAsync(ct)).Find(name) is { } be
            ? TypedResults.Ok(be)
            : OperationProblems.For(new OperationError(ErrorCode.NotFound, $"There is no boot environment '{name}'."));
}
