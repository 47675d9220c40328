using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;
using ModelLayout = SnapUpgrade.Core.Model.Layout;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class DemoHostTests
{
    private static async Task<(SimulatedZfs Host, HostState State)> SeededAsync()
    {
        var host = new SimulatedZfs();
        await DemoHost.SeedAsync(host, "rpool", Ct);
        return (host, HostStateReader.Read(await host.ListAsync("rpool", Ct), DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Seed_FreshHost_ThreeBesOneBootedAnotherActiveOnReboot()
    {
        var (_, state) = await SeededAsync();

        Assert.Equal(["2026.09", "2026.10", "2026.11"], state.BootEnvironments.Select(b => b.Name));
        Assert.Equal("2026.10", state.Booted?.Name);
        Assert.Equal("2026.11", state.ActiveOnReboot?.Name);
        Assert.Single(state.BootEnvironments, b => b.IsBooted);
        Assert.True(state.Find("2026.09")!.Keep);
        Assert.All(state.BootEnvironments, b => Assert.False(string.IsNullOrEmpty(b.Description)));
        Assert.All(state.BootEnvironments, b => Assert.Equal(("/", "noauto"), (b.MountPoint, b.CanMount)));
        Assert.Equal(3, state.BootEnvironments.Select(b => b.Uuid).Distinct().Count());
        Assert.Equal("ONLINE", state.PoolHealth);
        Assert.True(state.Find("2026.11")!.Created - state.Find("2026.09")!.Created > TimeSpan.FromDays(30),
            "the BEs look like months of history, not one instant");
        Assert.True(state.Find("2026.11")!.Created < DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Seed_FreshHost_ActivatedBeWasPromotedAndBootedBeHasItsOwnSnapshots()
    {
        var (_, state) = await SeededAsync();

        Assert.Null(state.ActiveOnReboot!.Origin);
        Assert.NotNull(state.Booted!.Origin);
        Assert.True(state.Booted.Snapshots.Count >= 2, $"{state.Booted.Snapshots.Count} snapshots");
        Assert.Contains(state.AllSnapshots, s => s.ConsoleMade && s.Clones.Count > 0);
        Assert.True(state.Booted.Used > state.Booted.Snapshots.Sum(s => s.Used), "the booted BE holds data of its own");
    }

    [Fact]
    public async Task Seed_FreshHost_TwoZonesWithZoneBesPerGlobalBeAndActiveFlagsOnTheBootfsOnes()
    {
        var (_, state) = await SeededAsync();

        Assert.Equal(["db", "web"], state.Zones.Select(z => z.Name));
        foreach (var zone in state.Zones)
        {
            Assert.Equal(ModelLayout.ZonePath(zone.Name), zone.ZonePath);
            Assert.Equal(3, zone.BootEnvironments.Count);
            Assert.All(zone.BootEnvironments, zb => Assert.False(zb.IsOrphaned));
            Assert.Equal("2026.11", Assert.Single(zone.BootEnvironments, zb => zb.Active).ParentBeName);
            Assert.Equal("2026.10", Assert.Single(zone.BootEnvironments, zb => zb.IsMounted).ParentBeName);
            Assert.Equal(ModelLayout.ZoneSharedMountPoint(zone.Name), zone.Shared?.MountedAt);
        }
        Assert.All(state.BootEnvironments, b => Assert.Equal(2, b.ZoneBes.Count));
    }

    [Fact]
    public async Task Seed_FreshHost_SharedDatasetsMountedAndHoldingMailAndLogs()
    {
        var (host, state) = await SeededAsync();

        Assert.Equal([null, "db", "web"], state.SharedDatasets.Select(s => s.Zone));
        Assert.All(state.SharedDatasets, s => Assert.NotNull(s.MountedAt));
        Assert.Contains("admin", host.List("/var/shared/mail"));
        Assert.Contains("root", host.AsProcess().List("/var/mail"));
        Assert.Contains("console.log", host.AsProcess().List("/zones/web/root/var/log"));
        Assert.Contains("admin: tuned /etc/motd\n", Text(host.ReadAllBytes("/var/shared/log/messages")));
    }

    [Fact]
    public async Task Seed_FreshHost_MigratedBesHaveRelativeLinksAndTheOldestRealDirectories()
    {
        var (host, _) = await SeededAsync();

        foreach (var dir in ModelLayout.SharedDirectories)
        {
            Assert.Equal(SharedLinks.Target(dir), host.ReadLink($"/var/{dir}"));
            Assert.Equal(SharedLinks.Target(dir), host.ReadLink($"/zones/db/root/var/{dir}"));
        }

        // The oldest BE, mounted at an alternate root, still has its own /var/mail.
        await host.RunAsync(new ZfsSet("rpool/ROOT/2026.09", "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount("rpool/ROOT/2026.09"));
        Assert.Equal(FileKind.Directory, host.GetKind("/a/var/mail"));
        Assert.Contains("operator", host.List("/a/var/mail"));
        Assert.Equal("SnapUpgrade lab host, BE 2026.09\n", Text(host.ReadAllBytes("/a/etc/release")));
    }

    [Fact]
    public async Task Seed_FreshHost_NewBeCarriesItsUpdate()
    {
        var (host, _) = await SeededAsync();

        await host.RunAsync(new ZfsSet("rpool/ROOT/2026.11", "mountpoint", "/b"));
        await host.RunAsync(new ZfsMount("rpool/ROOT/2026.11"));

        Assert.Equal("SnapUpgrade demo host, BE 2026.11\n", Text(host.ReadAllBytes("/b/etc/release")));
        Assert.Equal(FileKind.Symlink, host.GetKind("/b/var/mail"));
    }

    [Fact]
    public async Task Seed_WithStateFile_SurvivesRestartWhole()
    {
        using var state = new TempStateFile();
        var host = new SimulatedZfs(state.Path);
        await DemoHost.SeedAsync(host, "rpool", Ct);
        var before = await host.ListAsync("rpool", Ct);

        var restarted = new SimulatedZfs(state.Path);

        Assert.Equal(before.Datasets, (await restarted.ListAsync("rpool", Ct)).Datasets);
        Assert.Equal(host.List("/var/shared/mail"), restarted.AsProcess().List("/var/mail"));
    }

    [Fact]
    public async Task Seed_CancelledHalfWay_LeavesNoPoolInTheStateFile()
    {
        using var state = new TempStateFile();
        var host = new SimulatedZfs(state.Path);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DemoHost.SeedAsync(host, "rpool", cancelled.Token));

        Assert.True(host.HasPool("rpool"), "the pool was made in memory before the first command");
        Assert.False(new SimulatedZfs(state.Path).HasPool("rpool"));
    }
}
