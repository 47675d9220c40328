using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The host as the engine's watcher sees it, for the web role: one long-lived stream per web process
/// (lines of <see cref="EngineStateEvent"/>), handed to the pages as <see cref="IHostStateStream"/>. When
/// the engine cannot be reached the reason is the stream's <see cref="Error"/> (the shell's banner, the log,
/// /healthz) and the connection is tried again every <see cref="RetryDelay"/>.
/// </summary>
public sealed partial class RemoteHostStateStream(EngineClient client, RemoteEngine engine, ILogger<RemoteHostStateStream> logger)
    : BackgroundService, IHostStateStream
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly HostStateFanOut _subscribers = new(logger);
    private int _leasing;

    public HostState? Current => _subscribers.Current;
    public string? Error => _subscribers.Error;

    /// <summary>True once the stream has been connected at least once (health: not yet known before).</summary>
    public bool Connected { get; private set; }

    /// <summary>
    /// A watching subscriber (a page) makes this web ask the engine to keep reading (<see cref="EngineProtocol.Watch"/>,
    /// renewed every third of the lease while any page is open); the stream itself costs the engine no read.
    /// </summary>
    public IDisposable Subscribe(Action<HostState> onChange, bool watching)
    {
        var subscription = _subscribers.Subscribe(onChange, watching);
        if (watching) _ = LeaseWhileWatchedAsync();
        return subscription;
    }

    public IDisposable SubscribeErrors(Action<string?> onError) => _subscribers.SubscribeErrors(onError);

    /// <summary>The engine's latest state (its watcher reads only when the last read is not fresh).</summary>
    public Task<HostState> LatestAsync(CancellationToken ct = default) => engine.GetStateAsync(ct);

    private async Task LeaseWhileWatchedAsync()
    {
        // One renewal loop at a time: a page closing and another opening may overlap two starts.
        if (Interlocked.Exchange(ref _leasing, 1) == 1) return;
        try
        {
            while (_subscribers.Watchers > 0)
            {
                try
                {
                    await client.PostAsync<JsonElement>(EngineProtocol.Watch, null, CancellationToken.None);
                }
                catch (Exception ex) when (ex is EngineUnavailableException or InvalidOperationException or HttpRequestException or IOException)
                {
                    // The state stream reports an unreachable engine; the next renewal tries again.
                }
                await Task.Delay(EngineProtocol.WatchLease / 3);
            }
        }
        finally
        {
            Volatile.Write(ref _leasing, 0);
        }
        if (_subscribers.Watchers > 0) _ = LeaseWhileWatchedAsync(); // a page opened as the loop ended
    }

    /// <summary>Asks the engine's watcher to re-read now; the new state comes down the stream.</summary>
    public void Nudge() => _ = NudgeAsync();

    private async Task NudgeAsync()
    {
        try
        {
            await client.PostAsync<JsonElement>(EngineProtocol.Nudge, null, CancellationToken.None);
        }
        catch (Exception ex) when (ex is EngineUnavailableException or InvalidOperationException)
        {
            // The stream reports an unreachable engine; a lost nudge only waits for the next interval.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReadStreamAsync(stoppingToken);
                _subscribers.Publish(error: $"The engine on {client.Socket} ended the state stream (stopped or restarting).");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is EngineUnavailableException or InvalidOperationException or IOException or JsonException
                or HttpRequestException)
            {
                if (ex.Message != Error) LogUnreachable(logger, ex.Message);
                _subscribers.Publish(error: ex.Message);
            }
            try { await Task.Delay(RetryDelay, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task ReadStreamAsync(CancellationToken ct)
    {
        await engine.RefreshCapabilitiesAsync(ct);
        using var response = await client.OpenAsync(HttpMethod.Get, EngineProtocol.StateStream, null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        if (Error is not null) LogReached(logger, client.Socket);
        Connected = true;
        await foreach (var line in JsonSerializer.DeserializeAsyncEnumerable<EngineStateEvent>(body, topLevelValues: true, EngineProtocol.Json, ct))
            if (line is not null) _subscribers.Publish(line.State, line.Error);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The engine cannot be reached: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The engine on {Socket} answers again")]
    private static partial void LogReached(ILogger logger, string socket);
}
