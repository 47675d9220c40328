using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// The first start of the console on a new simulated pool: the demo host is seeded by the engine,
/// and the console starts on it with nothing open in its journal and no row of the system in its audit trail
/// (the seed's own journal and audit rows are a scratch database, gone after the seed).
/// </summary>
public sealed class DemoStartTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    public async Task FirstStart_NewSimulatedPool_DemoHostSeededAndTheJournalAndAuditAreEmpty()
    {
        var state = await host.GetJsonAsync("auditor", "api/v1/host");
        var journal = host.Services.GetRequiredService<IOperationJournal>();

        Assert.Equal(["2026.09", "2026.10", "2026.11"],
            state.GetProperty("bootEnvironments").EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        Assert.Empty(await journal.PendingAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await journal.RecentAsync(10, TestContext.Current.CancellationToken));
        Assert.Equal(0, (await host.AuditAsync("actor=system")).Total);
    }
}
