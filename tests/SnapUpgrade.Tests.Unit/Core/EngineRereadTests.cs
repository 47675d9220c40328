using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// What the watcher asks of the engine when the host reports a change (ADR 0023): whether the engine was
/// changing the host at that moment, and what it knows with the named datasets read again, counted at
/// the simulator's port.
/// </summary>
public sealed class EngineRereadTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task WasChanging_DuringAnOperation_YesBeforeAndAfterNo()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        await engine.GetStateAsync(Ct);
        var during = new List<DateTimeOffset>();
        host.Changed += (_, _) => during.Add(DateTimeOffset.UtcNow);
        var before = DateTimeOffset.UtcNow;
        await Task.Delay(20, Ct); // the clock moves on before the operation begins

        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be2"), ct: Ct)).Outcome);
        await Task.Delay(20, Ct);
        var after = DateTimeOffset.UtcNow;

        Assert.NotEmpty(during);
        Assert.All(during, moment => Assert.True(engine.WasChanging(moment), $"{moment:O} is inside the create"));
        Assert.False(engine.WasChanging(before));
        Assert.False(engine.WasChanging(after));
    }

    [Fact]
    public async Task Reread_ASnapshotTakenByHand_IsKnownWithoutAListing()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        await engine.GetStateAsync(Ct);
        var listings = host.Listings;
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@hand"));

        var state = await engine.RereadAsync(new ReadScope([Layout.Be("be1") + "@hand"], []), Ct);

        Assert.Contains(state.BootEnvironments.Single(b => b.Name == "be1").Snapshots, s => s.ShortName == "hand");
        Assert.Equal(listings, host.Listings);
        Assert.Same(state, await engine.GetKnownStateAsync(Ct)); // what the pages show next, and operations check against
    }

    [Fact]
    public async Task Reread_NothingKnownYet_Lists()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        var listings = host.Listings;

        await engine.RereadAsync(new ReadScope([Layout.Be("be1")], []), Ct);

        Assert.Equal(listings + 1, host.Listings);
    }
}
