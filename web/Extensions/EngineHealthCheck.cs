using Microsoft.Extensions.Diagnostics.HealthChecks;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Extensions;

/// <summary>
/// /healthz (anonymous) in one process: what the host watcher last read, with its age. It never reads the
/// pool itself: a probe every few seconds must not start a zfs listing as root each time (issue 13: 9.9 s
/// at 1000 BEs). Asked before the watcher's first read (just after start), it waits for that read.
/// </summary>
public sealed class EngineHealthCheck(IHostStateStream watcher, IEngine engine, TimeProvider time) : IHealthCheck
{
    private static readonly TimeSpan FirstReadLimit = TimeSpan.FromSeconds(30);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (watcher is { Current: null, Error: null }) await FirstReadAsync(cancellationToken);
        return watcher switch
        {
            { Error: { } error } => HealthCheckResult.Unhealthy($"The last read of the host failed: {error}"),
            { Current: null } => HealthCheckResult.Unhealthy("The engine has not read the host yet."),
            { Current: var state } => Judge(state),
        };
    }

    private async Task FirstReadAsync(CancellationToken ct)
    {
        var read = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var states = watcher.Subscribe(_ => read.TrySetResult(), watching: false); // the start's own read
        using var errors = watcher.SubscribeErrors(error => { if (error is not null) read.TrySetResult(); });
        try
        {
            await read.Task.WaitAsync(FirstReadLimit, time, ct);
        }
        catch (TimeoutException)
        {
            // said as "not read yet"
        }
    }

    private HealthCheckResult Judge(HostState state)
    {
        var age = time.GetUtcNow() - state.ReadAt;
        var description = $"{engine.BackendName}: pool {state.Pool} {state.PoolHealth} (read {Math.Max(0, (int)age.TotalSeconds)} s ago)";
        return state.PoolHealth == "ONLINE" ? HealthCheckResult.Healthy(description) : HealthCheckResult.Degraded(description);
    }
}
