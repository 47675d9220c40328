using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The one watcher of this host: reads the state (one listing) every interval, or at once after
/// <see cref="Nudge"/>, and pushes it to the subscribers only when something they show changed.
/// Changes made by `zfs` by hand show up the same way as changes made through the console.
/// </summary>
public sealed partial class HostWatcher(Func<IEngine> engine, TimeSpan interval, ILogger<HostWatcher> logger)
    : BackgroundService, IHostStateStream
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly List<Action<HostState>> _onChange = [];
    private readonly List<Action<string?>> _onError = [];
    private string? _fingerprint;

    public const string IntervalKey = "SnapUpgrade:WatchIntervalMs";
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(1000);

    public HostState? Current { get; private set; }
    public string? Error { get; private set; }

    public IDisposable Subscribe(Action<HostState> onChange)
    {
        lock (_gate)
        {
            _onChange.Add(onChange);
            // Under the lock: no newer state can be pushed before this first one.
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

    public void Nudge()
    {
        try { _nudge.Release(); }
        catch (SemaphoreFullException) { } // a re-read is already due
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await ReadOnceAsync(stoppingToken);
            try { await _nudge.WaitAsync(interval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One read: pushes the state when its fingerprint changed, or the error when the read failed.</summary>
    public async Task ReadOnceAsync(CancellationToken ct = default)
    {
        HostState state;
        var current = engine();
        var activity = current.Activity;
        try
        {
            state = await current.GetStateAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            LogReadFailed(logger, ex);
            Publish(error: ex.Message);
            return;
        }
        // A state read while the engine was changing the host (even a shared-health read's brief
        // mounts) may be a moment in between: skip it; the next read, or the nudge after the
        // operation, shows the settled host.
        if (activity % 2 == 1 || current.Activity != activity) return;
        Publish(state);
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
            var fingerprint = Fingerprint(state);
            if (fingerprint == _fingerprint) return;
            _fingerprint = fingerprint;
            Current = state;
            foreach (var onChange in _onChange.ToArray()) Deliver(onChange, state);
        }
    }

    /// <summary>Everything the pages show, without the read time: equal states give equal strings.</summary>
    public static string Fingerprint(HostState state) => JsonSerializer.Serialize(state with { ReadAt = default });

    private void Deliver<T>(Action<T> callback, T value)
    {
        // One subscriber's bug must not stop the others (nor the watcher).
        try { callback(value); }
        catch (Exception ex) { LogSubscriberFailed(logger, ex); }
    }

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the host state failed")]
    private static partial void LogReadFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "A host state subscriber failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception ex);
}
