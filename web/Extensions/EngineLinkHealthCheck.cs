using Microsoft.Extensions.Diagnostics.HealthChecks;
using SnapUpgrade.Infra.Remote;

namespace SnapUpgrade.Web.Extensions;

/// <summary>
/// /healthz in the web role: what the state stream from the engine last said, without asking the engine
/// anything (a probe must not make the engine read the pool): unreachable engine, a failing pool read, or
/// the pool's health.
/// </summary>
public sealed class EngineLinkHealthCheck(RemoteHostStateStream stream, RemoteEngine engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(stream switch
        {
            { Error: { } error } => HealthCheckResult.Unhealthy(error),
            { Connected: false } => HealthCheckResult.Unhealthy("The engine has not been reached yet."),
            { Current: null } => HealthCheckResult.Unhealthy("The engine has not read the host yet."),
            { Current: var state } => state.PoolHealth == "ONLINE"
                ? HealthCheckResult.Healthy($"{engine.BackendName}: pool {state.Pool} {state.PoolHealth}")
                : HealthCheckResult.Degraded($"{engine.BackendName}: pool {state.Pool} {state.PoolHealth}"),
        });
}
