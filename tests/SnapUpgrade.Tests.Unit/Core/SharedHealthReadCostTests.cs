using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// Issue 13: each page showing shared health reads it after every pushed state; those reads use the
/// state the engine knows (the one the pages show: its last listing, with what its own operations
/// touched read again) instead of listing the pool again each. Listings counted at the simulator's port.
/// </summary>
public sealed class SharedHealthReadCostTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task HealthReads_AfterAStateReadOrAnOperation_ListNothing()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        await engine.GetStateAsync(Ct);
        var listings = host.Listings;

        for (var i = 0; i < 10; i++) await engine.GetSharedHealthAsync(Ct);
        Assert.Equal(listings, host.Listings);

        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be2"), ct: Ct)).Outcome);
        listings = host.Listings;
        var health = await engine.GetSharedHealthAsync(Ct);

        // The engine knows what its create changed (issue 13): the new BE is there without a listing.
        Assert.Equal(listings, host.Listings);
        Assert.Contains(health.Entries, e => e.Be == "be2");
    }
}
