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

    private readonly Lock _gate = new();
    private readonly List<Action<HostState>> _onChange = [];
    private readonly List<Action<string?>> _onError = [];

    public HostState? Current { get; private set; }
    public string? Error { get; private set; }

    /// <summary>True once the stream has been connected at least once (health: not yet known before).</summary>
    public bool Connected { get; private set; }

    public IDisposable Subscribe(Action<HostState> onChange)
    {
        lock (_gate)
        {
            _onChange.Add(onChange);
            if (Current is { } current) Deliver(onChange, current);
        }
        return new Subscription(() => { lock (_gate) _onChange.Remove(onChange); });
    }

    public IDisposable SubscribeErrors(Action<string?> onError)
    {
        lock (_gate)
        {
            _onError.Add(onError);
            if (Error is { } error) Deliver(onError, error);
        }
        return new Subscription(() => { lock (_gate) _onError.Remove(onError); });
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
                Publish(error: $"The engine on {client.Socket} ended the state stream (stopped or restarting).");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is EngineUnavailableException or InvalidOperationException or IOException or JsonException
                or HttpRequestException)
            {
                if (ex.Message != Error) LogUnreachable(logger, ex.Message);
                Publish(error: ex.Message);
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
            if (line is not null) Publish(line.State, line.Error);
    }

    private void Publish(HostState? state = null, string? error = null)
    {
        lock (_gate)
        {
            if (error != Error)
            {
                Error = error;
                foreach (var onError in _onError.ToArray()) Deliver(onError, error);
            }
            if (state is null) return;
            Current = state;
            foreach (var onChange in _onChange.ToArray()) Deliver(onChange, state);
        }
    }

    private void Deliver<T>(Action<T> callback, T value)
    {
        try { callback(value); }
        catch (Exception ex) { LogSubscriberFailed(logger, ex); }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The engine cannot be reached: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The engine on {Socket} answers again")]
    private static partial void LogReached(ILogger logger, string socket);

    [LoggerMessage(Level = LogLevel.Error, Message = "A host state subscriber failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception ex);
}
