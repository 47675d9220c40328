using Microsoft.Extensions.Diagnostics.HealthChecks;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Extensions;

/// <summary>/healthz: the engine answers and the pool is ONLINE.</summary>
public sealed class EngineHealthCheck(IEngine engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var state = await engine.GetStateAsync(cancellationToken);
            var description = $"{engine.BackendName}: pool {state.Pool} {state.PoolHealth}";
            return state.PoolHealth == "ONLINE" ? HealthCheckResult.Healthy(description) : HealthCheckResult.Degraded(description);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The engine did not answer.", ex);
        }
    }
}
