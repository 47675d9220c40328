using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// Upgrades into a new BE (issue 14): <c>POST upgrades</c> starts one and answers 202 with its view and
/// <c>Location</c> (<c>?dryRun=true</c>: 200 with the whole plan and its token, nothing started; <c>?planToken=</c>:
/// exactly the reviewed create, or 409 PlanChanged); <c>GET upgrades</c> and
/// <c>upgrades/{id}</c> read them; <c>upgrades/{id}/events</c> streams the output as server-sent events (a
/// <c>line</c> event per line, its index as the event id so <c>Last-Event-ID</c> resumes, then one <c>end</c>
/// event with the final view); <c>upgrades/{id}/output</c> streams the same lines as chunked plain text;
/// <c>upgrades/{id}/cancel</c> stops the package command (202 with the run; the BE is finished as failed). The engine's process
/// runs them, checks the role (admins; operators where the host allows) and audits them.
/// </summary>
public static class UpgradeEndpoints
{
    public static void MapUpgradeEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("upgrades", StartAsync);
        api.MapGet("upgrades", async (IUpgrades upgrades, CancellationToken ct) => TypedResults.Ok(await upgrades.ListAsync(ct)));
        api.MapGet("upgrades/{id}", GetAsync);
        api.MapGet("upgrades/{id}/events", EventsAsync);
        api.MapGet("upgrades/{id}/output", OutputAsync);
        api.MapPost("upgrades/{id}/cancel", CancelAsync);
    }

    private static async Task<Results<Accepted<UpgradeView>, Ok<UpgradePlanAnswer>, ProblemHttpResult>> StartAsync(
        IUpgrades upgrades, HttpContext http, StartUpgradeRequest body, bool? dryRun, string? planToken)
    {
        var actor = ConsoleClaims.ActorOf(http) ?? throw new InvalidOperationException("An upgrade endpoint ran without a signed-in user.");
        // Not the request's token: the run goes on when the client goes (it follows, or reads it back later).
        var start = await upgrades.StartAsync(actor,
            new UpgradeOrder(body.Name, body.Source, body.Description, body.Activate, dryRun ?? false, planToken), CancellationToken.None);
        if (start.Refused is { } refused) return OperationProblems.For(refused);
        if (dryRun == true) return TypedResults.Ok(new UpgradePlanAnswer(start.Plan, start.PlanToken));
        var run = start.Run!;
        return TypedResults.Accepted($"/api/v1/upgrades/{run.Id}", run);
    }

    private static async Task<Results<Ok<UpgradeView>, ProblemHttpResult>> GetAsync(IUpgrades upgrades, string id, CancellationToken ct) =>
        await upgrades.GetAsync(id, ct) is { } run ? TypedResults.Ok(run) : NotFound(id);

    /// <summary>
    /// 202 with the run as it is now and its <c>Location</c>: the stop is asked for, and the run ends (failed, its BE
    /// unmounted) when the command has stopped; its <c>events</c> say when.
    /// </summary>
    private static async Task<Results<Accepted<UpgradeView>, ProblemHttpResult>> CancelAsync(IUpgrades upgrades, HttpContext http, string id, CancellationToken ct)
    {
        var actor = ConsoleClaims.ActorOf(http) ?? throw new InvalidOperationException("An upgrade endpoint ran without a signed-in user.");
        if (await upgrades.CancelAsync(actor, id, ct) is { } refused) return OperationProblems.For(refused);
        return await upgrades.GetAsync(id, ct) is { } run ? TypedResults.Accepted($"/api/v1/upgrades/{id}", run) : NotFound(id);
    }

    /// <summary>
    /// Server-sent events: <c>line</c> (data: the line; id: its index), <c>step</c> (data: what the run does now, at
    /// the start and on each change; no id), then <c>end</c> (data: the final view as JSON).
    /// </summary>
    private static async Task EventsAsync(HttpContext http, IUpgrades upgrades, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        string id, long? from)
    {
        var start = from ?? (long.TryParse(http.Request.Headers["Last-Event-ID"], out var last) ? last + 1 : 0);
        await StreamAsync(http, upgrades, id, start, "text/event-stream", e => e switch
        {
            { End: { } end } => $"event: end\ndata: {JsonSerializer.Serialize(end, json.Value.SerializerOptions)}\n\n",
            { Step: { } step } => $"event: step\ndata: {OneLine(step)}\n\n",
            _ => $"id: {e.Index}\nevent: line\ndata: {OneLine(e.Line)}\n\n",
        });
    }

    /// <summary>The output as it comes, one line each, chunked; after the last line, the run's end in brackets.</summary>
    private static Task OutputAsync(HttpContext http, IUpgrades upgrades, string id, long? from) =>
        StreamAsync(http, upgrades, id, from ?? 0, "text/plain; charset=utf-8", e => e switch
        {
            { End: { } end } => $"[{end.State.ToString().ToLowerInvariant()}: {end.Message}]\n",
            { Step: not null } => null, // the output alone
            _ => $"{e.Line}\n",
        });

    private static async Task StreamAsync(HttpContext http, IUpgrades upgrades, string id, long from, string contentType, Func<UpgradeEvent, string?> format)
    {
        var ct = http.RequestAborted;
        if (await upgrades.GetAsync(id, ct) is null)
        {
            await NotFound(id).ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = contentType;
        http.Response.Headers.CacheControl = "no-cache";
        // Each line leaves as it comes: no proxy buffering (nginx honours this header).
        http.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await foreach (var e in upgrades.FollowAsync(id, from, ct))
            {
                if (format(e) is not { } text) continue;
                await http.Response.WriteAsync(text, ct);
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away; the run goes on
        }
    }

    /// <summary>An event's data is one line: a stray carriage return in a tool's output must not end it early.</summary>
    private static string OneLine(string? line) => (line ?? "").Replace('\r', ' ').Replace('\n', ' ');

    private static ProblemHttpResult NotFound(string id) =>
        OperationProblems.For(new OperationError(ErrorCode.NotFound, $"There is no upgrade '{id}' (runs are kept until the engine stops; the audit log keeps them all)."));
}

/// <summary>
/// A dry run's answer: every step of the upgrade, in order (each part is planned again, for real, when its turn comes),
/// and the token that, sent back as <c>?planToken=</c>, runs the create exactly as reviewed or refuses the upgrade.
/// </summary>
public sealed record UpgradePlanAnswer(IReadOnlyList<PlannedStep> Steps, string? PlanToken);
