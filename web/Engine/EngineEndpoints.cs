using System.Text.Json;
using System.Threading.Channels;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Infra.Remote;

namespace SnapUpgrade.Web.Engine;

/// <summary>
/// The engine's small internal API on its socket (<see cref="EngineProtocol"/>): what the web role's
/// <see cref="RemoteEngine"/>, <see cref="RemoteHostStateStream"/> and <see cref="RemoteAuditLog"/> call.
/// Runs go through <see cref="AuditedOperations"/> here, so the role check and the audit row happen in
/// this process, with the actor the web names.
/// </summary>
public static class EngineEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet(EngineProtocol.Capabilities, (IEngine engine) => Json(new EngineCapabilities(engine.BackendName, engine.CanReboot)));
        // The watcher's latest state: a web's reads never start a listing each (issue 13).
        app.MapGet(EngineProtocol.State, async (IHostStateStream stream, CancellationToken ct) => Json(await stream.LatestAsync(ct)));
        app.MapGet(EngineProtocol.SharedHealth, async (IEngine engine, CancellationToken ct) => Json(await engine.GetSharedHealthAsync(ct)));
        app.MapPost(EngineProtocol.Run, async (HttpContext http, AuditedOperations operations, CancellationToken ct) =>
        {
            var run = await ReadAsync<EngineRunRequest>(http, ct);
            return Json(await operations.RunAsync(run.Actor, run.Operation, run.DryRun, run.Reviewed, ct));
        });
        app.MapPost(EngineProtocol.Nudge, (IHostStateStream stream) =>
        {
            stream.Nudge();
            return Json(new { });
        });
        app.MapPost(EngineProtocol.Watch, (HostWatcher watcher) =>
        {
            watcher.KeepWatching(EngineProtocol.WatchLease);
            return Json(new { });
        });
        app.MapGet(EngineProtocol.StateStream, StreamStatesAsync);
        app.MapPost(EngineProtocol.AuditWritable, async (IAuditLog audit, CancellationToken ct) =>
        {
            await audit.EnsureWritableAsync(ct);
            return Json(new { });
        });
        // The web's own rows (account and token changes). Never a journal mark: operations are audited here as they run.
        app.MapPost(EngineProtocol.AuditAppend, async (HttpContext http, IAuditLog audit, CancellationToken ct) =>
            Json(await audit.AppendAsync(await ReadAsync<AuditRecord>(http, ct) with { JournalId = null }, ct)));
        app.MapPost(EngineProtocol.AuditQuery, async (HttpContext http, IAuditLog audit, CancellationToken ct) =>
            Json(await audit.QueryAsync(await ReadAsync<AuditQuery>(http, ct), ct)));
        app.MapPost(EngineProtocol.AuditStream, async (HttpContext http, IAuditLog audit, CancellationToken ct) =>
        {
            var query = await ReadAsync<AuditQuery>(http, ct);
            http.Response.ContentType = "application/x-ndjson";
            await foreach (var entry in audit.StreamAsync(query, ct))
                await WriteLineAsync(http, entry, ct);
        });
        app.MapGet(EngineProtocol.AuditVerify, async (IAuditLog audit, CancellationToken ct) => Json(await audit.VerifyAsync(ct)));
        MapUpgrades(app);
    }

    /// <summary>Upgrades run here, in the engine's process; the web starts, follows and cancels them with the actor it names.</summary>
    private static void MapUpgrades(WebApplication app)
    {
        app.MapPost(EngineProtocol.Upgrades, async (HttpContext http, IUpgrades upgrades, CancellationToken ct) =>
        {
            var start = await ReadAsync<EngineUpgradeStart>(http, ct);
            return Json(await upgrades.StartAsync(start.Actor, start.Order, ct));
        });
        app.MapGet(EngineProtocol.Upgrades, async (IUpgrades upgrades, CancellationToken ct) => Json(await upgrades.ListAsync(ct)));
        app.MapGet(EngineProtocol.Upgrades + "/{id}", async (string id, IUpgrades upgrades, CancellationToken ct) =>
            Json(new EngineUpgradeFound(await upgrades.GetAsync(id, ct))));
        app.MapGet(EngineProtocol.Upgrades + "/{id}/follow", async (HttpContext http, string id, long? from, IUpgrades upgrades,
            IHostApplicationLifetime lifetime) =>
        {
            using var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            http.Response.ContentType = "application/x-ndjson";
            try
            {
                await foreach (var line in upgrades.FollowAsync(id, from ?? 0, ends.Token))
                    await WriteLineAsync(http, line, ends.Token);
            }
            catch (OperationCanceledException) when (ends.IsCancellationRequested)
            {
                // the web went away, or the engine stops: the run's end is in its audit row
            }
        });
        app.MapPost(EngineProtocol.Upgrades + "/{id}/cancel", async (HttpContext http, string id, IUpgrades upgrades, CancellationToken ct) =>
            Json(new EngineUpgradeRefusal(await upgrades.CancelAsync(await ReadAsync<Actor>(http, ct), id, ct))));
        app.MapPost(EngineProtocol.UpgradeRefusal, async (HttpContext http, IUpgrades upgrades, CancellationToken ct) =>
            Json(new EngineUpgradeRefusal(await upgrades.RefusalAsync(await ReadAsync<Actor>(http, ct), ct))));
    }

    /// <summary>
    /// One long answer per web process: first the watcher's read error (null: reads work), then every state
    /// and every change of the error, one JSON line each, until the web goes or the engine stops.
    /// </summary>
    private static async Task StreamStatesAsync(HttpContext http, IHostStateStream stream, IHostApplicationLifetime lifetime)
    {
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = ends.Token;
        var events = Channel.CreateUnbounded<EngineStateEvent>(new UnboundedChannelOptions { SingleReader = true });
        events.Writer.TryWrite(new(null, stream.Error));
        // Not watching: the web keeps the watcher reading with Watch leases only while one of its pages is open.
        using var states = stream.Subscribe(state => events.Writer.TryWrite(new(state, null)), watching: false);
        using var errors = stream.SubscribeErrors(error => events.Writer.TryWrite(new(null, error)));
        http.Response.ContentType = "application/x-ndjson";
        try
        {
            await foreach (var line in events.Reader.ReadAllAsync(ct))
                await WriteLineAsync(http, line, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the web went away, or the engine stops: the web reconnects and says so meanwhile
        }
    }

    private static async Task WriteLineAsync<T>(HttpContext http, T value, CancellationToken ct)
    {
        await JsonSerializer.SerializeAsync(http.Response.Body, value, EngineProtocol.Json, ct);
        await http.Response.Body.WriteAsync("\n"u8.ToArray(), ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private static async Task<T> ReadAsync<T>(HttpContext http, CancellationToken ct) =>
        await http.Request.ReadFromJsonAsync<T>(EngineProtocol.Json, ct)
            ?? throw new BadHttpRequestException($"The request has no {typeof(T).Name}.");

    private static IResult Json<T>(T value) => Results.Json(value, EngineProtocol.Json);
}
