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
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly HostStateFanOut _subscribers = new(logger);

    public const string IntervalKey = "SnapUpgrade:WatchIntervalMs";
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(1000);

    public HostState? Current => _subscribers.Current;
    public string? Error => _subscribers.Error;

    public IDisposable Subscribe(Action<HostState> onChange) => _subscribers.Subscribe(onChange);

    public IDisposable SubscribeErrors(Action<string?> onError) => _subscribers.SubscribeErrors(onError);

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
            _subscribers.Publish(error: ex.Message);
            return;
        }
        // A state read while the engine was changing the host (even a shared-health read's brief
        // mounts) may be a moment in between: skip it; the next read, or the nudge after the
        // operation, shows the settled host.
        if (activity % 2 == 1 || current.Activity != activity) return;
        _subscribers.Publish(state, fingerprint: Fingerprint(state));
    }

    /// <summary>Everything the pages show, without the read time: equal states give equal strings.</summary>
    public static string Fingerprint(HostState state) => JsonSerializer.Serialize(state with { ReadAt = default });

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the host state failed")]
    private static partial void LogReadFailed(ILogger logger, Exception ex);
}
