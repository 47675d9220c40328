using System.Text.Json;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// A state read with the one before it keeps the BEs whose datasets did not change (issue 13): after every kind
/// of operation, and after changes made by hand, it says exactly what a state read from nothing says.
/// </summary>
public sealed class HostStateReaderKeptTests : IDisposable
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Read_WithTheStateBefore_AfterEachKindOfChange_SaysWhatAFreshReadSays()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        var steps = new (string What, Func<Task> Change)[]
        {
            ("create be2", () => Run(new CreateBe("be2"))),
            ("create be3 from be2", () => Run(new CreateBe("be3", Source: "be2", Description: "third"))),
            ("create be4", () => Run(new CreateBe("be4"))),
            ("snapshot be2", () => Run(new SnapshotBe("be2", "s1"))),
            ("activate be3", () => Run(new ActivateBe("be3"))),
            ("be2 for the next boot only, set by hand", () => host.RunAsync(new ZfsSet(Simulation.Sim.Layout.BeContainer, UserProperties.NextBoot, "be2"))),
            ("mount be3", () => Run(new MountBe("be3"))),
            ("unmount be3", () => Run(new UnmountBe("be3"))),
            ("activate be4", () => Run(new ActivateBe("be4"))),
            ("rename be3", () => Run(new RenameBe("be3", "be5"))),
            ("destroy a snapshot", () => Run(new DestroySnapshot("be2", "s1"))),
            ("bootfs set by hand", () => host.RunAsync(new ZpoolSetBootfs(Pool, Simulation.Sim.Layout.Be("be5")))),
            ("a description set by hand", () => host.RunAsync(new ZfsSet(Simulation.Sim.Layout.Be("be4"), UserProperties.Description, "by hand"))),
            ("a child file system made by hand", () => host.RunAsync(new ZfsCreate(Simulation.Sim.Layout.Be("be4") + "/opt", Props(("canmount", "noauto"))))),
            ("the next boot cleared by hand", () => host.RunAsync(new ZfsInherit(Simulation.Sim.Layout.BeContainer, UserProperties.NextBoot))),
            ("activate be1", () => Run(new ActivateBe("be1"))),
            ("destroy be2, the origin of be5", () => Run(new DestroyBe("be2"))),
            ("create a zone", () => Run(new CreateZone("z1"))),
            ("create be6 with the zone", () => Run(new CreateBe("be6"))),
            ("activate be6", () => Run(new ActivateBe("be6"))),
            ("a zone BE's snapshot by hand", () => host.RunAsync(new ZfsSnapshot("tank/zones/z1/ROOT/be6@hand"))),
            ("a zone BE's flag by hand", () => host.RunAsync(new ZfsSet("tank/zones/z1/ROOT/be1", UserProperties.Active, "on"))),
            ("activate be1 again", () => Run(new ActivateBe("be1"))),
            ("destroy be6", () => Run(new DestroyBe("be6"))),
        };
        var chained = HostStateReader.Read(await host.ListAsync(Pool, Ct), At);
        var untouchedKept = 0;
        foreach (var (what, change) in steps)
        {
            var before = chained;
            await change();
            var listing = await host.ListAsync(Pool, Ct);
            chained = HostStateReader.Read(listing, At, before);
            Assert.True(Json(HostStateReader.Read(listing, At)) == Json(chained), $"after '{what}'");
            untouchedKept += chained.BootEnvironments.Count(b => before.BootEnvironments.Any(o => ReferenceEquals(o, b)));
        }
        Assert.True(untouchedKept >= 10, $"only {untouchedKept} BE(s) were kept across the steps"); // it keeps, not only builds

        async Task Run(IOperation operation)
        {
            var result = await engine.RunAsync(operation, ct: Ct);
            Assert.True(result.Outcome == Outcome.Succeeded, $"{operation}: {result.Error?.Message}");
        }
    }

    [Fact]
    public async Task Read_WithTheStateBefore_ABeUnchanged_IsTheSameObjectAndAChangedOneIsNew()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be2"), ct: Ct)).Outcome);
        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be3"), ct: Ct)).Outcome);
        var before = HostStateReader.Read(await host.ListAsync(Pool, Ct), At);

        await host.RunAsync(new ZfsSet(Simulation.Sim.Layout.Be("be3"), UserProperties.Description, "changed"));
        var after = HostStateReader.Read(await host.ListAsync(Pool, Ct), At, before);

        Assert.Same(before.Find("be2"), after.Find("be2"));
        Assert.NotSame(before.Find("be3"), after.Find("be3"));
        Assert.Equal("changed", after.Find("be3")!.Description);
    }

    [Fact]
    public async Task Read_WithTheStateBefore_ABeWhoseOriginsAPromoteMoved_IsTheOneBuiltBeforeWithTheNewOrigins()
    {
        var host = await BootedAsync();
        var engine = NewEngine(host, _dir.Path);
        await host.RunAsync(new ZfsCreate(Simulation.Sim.Layout.Be("be1") + "/opt", Props(("canmount", "noauto"))));
        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be2"), ct: Ct)).Outcome);
        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be3"), ct: Ct)).Outcome);
        var before = HostStateReader.Read(await host.ListAsync(Pool, Ct), At);

        // be3 takes over be1's snapshots: be2 and its child are now clones of be3's.
        Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new ActivateBe("be3"), ct: Ct)).Outcome);
        var listing = await host.ListAsync(Pool, Ct);
        var after = HostStateReader.Read(listing, At, before);

        var (was, now) = (before.Find("be2")!, after.Find("be2")!);
        Assert.StartsWith(Simulation.Sim.Layout.Be("be1") + "@", was.Origin, StringComparison.Ordinal);
        Assert.StartsWith(Simulation.Sim.Layout.Be("be3") + "@", now.Origin, StringComparison.Ordinal);
        Assert.StartsWith(Simulation.Sim.Layout.Be("be3") + "/opt@", Assert.Single(now.Children).Origin, StringComparison.Ordinal);
        Assert.Same(was.Snapshots, now.Snapshots); // not built again: the one before, with its origins set
        Assert.Equal(Json(HostStateReader.Read(listing, At)), Json(after));
    }

    private static string Json(HostState state) => JsonSerializer.Serialize(state);
}
