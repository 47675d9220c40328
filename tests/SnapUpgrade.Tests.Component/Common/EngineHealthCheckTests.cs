using Microsoft.Extensions.Diagnostics.HealthChecks;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Extensions;
using Xunit;

namespace SnapUpgrade.Tests.Component.Common;

/// <summary>
/// /healthz in one process answers from the host watcher's last read and never reads the pool itself
/// (anonymous probes must not start zfs listings as root: issue 13).
/// </summary>
public sealed class EngineHealthCheckTests
{
    private readonly FakeEngine _engine = new() { BackendName = "zfs-fuse" };
    private readonly FakeHostStateStream _watcher = new();

    private Task<HealthCheckResult> CheckAsync() =>
        new EngineHealthCheck(_watcher, _engine, TimeProvider.System).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

    [Fact]
    public async Task Check_Repeated_AnswersFromTheWatchersLastReadWithoutReadingThePool()
    {
        _watcher.Push(HostStates.Demo() with { ReadAt = DateTimeOffset.UtcNow.AddSeconds(-3) });

        for (var i = 0; i < 5; i++)
        {
            var result = await CheckAsync();
            Assert.Equal(HealthStatus.Healthy, result.Status);
            Assert.Matches(@"^zfs-fuse: pool rpool ONLINE \(read [34] s ago\)$", result.Description);
        }
        Assert.Equal(0, _engine.Reads);
    }

    [Fact]
    public async Task Check_PoolNotOnline_IsDegradedAndAFailedRead_IsUnhealthyWithWhy()
    {
        _watcher.Push(HostStates.Demo() with { PoolHealth = "DEGRADED", ReadAt = DateTimeOffset.UtcNow });
        Assert.Equal(HealthStatus.Degraded, (await CheckAsync()).Status);

        _watcher.Fail("cannot open 'rpool': no such pool");
        var failed = await CheckAsync();

        Assert.Equal((HealthStatus.Unhealthy, "The last read of the host failed: cannot open 'rpool': no such pool"), (failed.Status, failed.Description));
        Assert.Equal(0, _engine.Reads);
    }

    [Fact]
    public async Task Check_BeforeTheWatchersFirstRead_WaitsForIt()
    {
        var check = CheckAsync();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(check.IsCompleted, "answered before the watcher's first read");

        _watcher.Push(HostStates.Demo() with { ReadAt = DateTimeOffset.UtcNow });

        Assert.Equal(HealthStatus.Healthy, (await check).Status);
        Assert.Equal(0, _engine.Reads);
    }
}
