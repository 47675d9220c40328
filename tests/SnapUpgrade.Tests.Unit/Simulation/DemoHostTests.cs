using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;
using ModelLayout = SnapUpgrade.Core.Model.Layout;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>The demo host is made by the engine's operations; these read it back through the engine's own view.</summary>
public sealed class DemoHostTests : IDisposable
{
    private static readonly EngineOptions Options = new() { Pool = "rpool", CanBootInProcess = true };
    private readonly TempDir _dataDir = new();
    private readonly SqliteDatabase _database;
    private readonly SqliteOperationJournal _journal;

    public DemoHostTests()
    {
        _database = SqliteDatabase.InDataDir(_dataDir.Path);
        _journal = new SqliteOperationJournal(_database);
    }

    public void Dispose() => _dataDir.Dispose();

    private Task<bool> SeedAsync(SimulatedZfs host, CancellationToken? ct = null) =>
        DemoHost.SeedAsync(host, Options, _journal, new SqliteAuditLog(_database), ct ?? Ct);

    /// <summary>A seeded host and an engine over it, as the console builds one.</summary>
    private async Task<(SimulatedZfs Host, BeEngine Engine, HostState State)> SeededAsync()
    {
        var host = new SimulatedZfs();
        Assert.True(await SeedAsync(host));
        var engine = new BeEngine(host, host, host, _journal, Options);
        return (host, engine, await engine.GetStateAsync(Ct));
    }

    private static async Task<SharedHealthReport> CheckAsync(BeEngine engine)
    {
        var result = await engine.RunAsync(new CheckSharedHealth(), ct: Ct);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.SharedHealth!;
    }

    [Fact]
    public async Task Seed_FreshHost_ThreeBesOneBootedAnotherActiveOnReboot()
    {
        var (_, _, state) = await SeededAsync();

        Assert.Equal(["2026.09", "2026.10", "2026.11"], state.BootEnvironments.Select(b => b.Name));
        Assert.Equal("2026.10", state.Booted?.Name);
        Assert.Equal("2026.11", state.ActiveOnReboot?.Name);
        Assert.Null(state.NextBoot);
        Assert.Single(state.BootEnvironments, b => b.IsBooted);
        Assert.True(state.Find("2026.09")!.Keep);
        Assert.Equal("First install, before the shared /var migration", state.Find("2026.09")!.Description);
        Assert.Equal(["Monthly update, October", "Monthly update, November"], state.BootEnvironments.Skip(1).Select(b => b.Description));
        Assert.All(state.BootEnvironments, b => Assert.Equal(("/", "noauto"), (b.MountPoint, b.CanMount)));
        Assert.All(state.BootEnvironments, b => Assert.Null(b.CarryOverFrom));
        Assert.Equal(3, state.BootEnvironments.Select(b => b.Uuid).Distinct().Count());
        Assert.Equal("ONLINE", state.PoolHealth);
        Assert.True(state.Find("2026.11")!.Created - state.Find("2026.09")!.Created > TimeSpan.FromDays(30),
            "the BEs look like months of history, not one instant");
        Assert.True(state.Find("2026.11")!.Created < DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Seed_FreshHost_ActivatedBeWasPromotedAndBootedBeHasTheAdminsSnapshots()
    {
        var (_, _, state) = await SeededAsync();

        Assert.Null(state.ActiveOnReboot!.Origin);
        Assert.NotNull(state.Booted!.Origin);
        Assert.Equal(["before-tuning", "daily"], state.Booted.Snapshots.Where(s => !s.ConsoleMade).Select(s => s.ShortName));
        Assert.Contains(state.AllSnapshots, s => s.ConsoleMade && s.Clones.Count > 0);
        Assert.True(state.Booted.Used > state.Booted.Snapshots.Sum(s => s.Used), "the booted BE holds data of its own");
    }

    [Fact]
    public async Task Seed_FreshHost_TwoZonesWithZoneBesPerGlobalBeAndActiveFlagsOnTheBootfsOnes()
    {
        var (_, _, state) = await SeededAsync();

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
    public async Task Seed_FreshHost_CheckSharedHealthShowsTheMigratedBesOkAndTheOldestNotMigrated()
    {
        var (_, engine, _) = await SeededAsync();

        var health = await CheckAsync(engine);

        Assert.All(health.Entries.Where(e => e.Be is "2026.10" or "2026.11"), e => Assert.True(e.AllOk, $"{e.Be} {e.Zone}"));
        Assert.Equal(6, health.Entries.Count(e => e.Be is "2026.10" or "2026.11"));
        var oldest = Assert.Single(health.Entries, e => e is { Be: "2026.09", Zone: null });
        Assert.All(oldest.Directories, d => Assert.Equal(SharedDirState.NotMigrated, d.State));
        Assert.Equal(ModelLayout.SharedDirectories, oldest.Directories.Select(d => d.Directory));
        // The zones were made by the console: their BEs were born migrated, 2026.09's too.
        Assert.All(health.Entries.Where(e => e is { Be: "2026.09", Zone: not null }), e => Assert.True(e.AllOk));
    }

    [Fact]
    public async Task Seed_FreshHost_SharedDatasetsHoldTheMigratedMailAndLogsAndWhatWasCarriedOver()
    {
        var (host, _, state) = await SeededAsync();
        var process = host.AsProcess();

        Assert.Equal([null, "db", "web"], state.SharedDatasets.Select(s => s.Zone));
        Assert.All(state.SharedDatasets, s => Assert.NotNull(s.MountedAt));
        // Migrated from 2026.09's /var at the clone point, then written by 2026.10's services through the links.
        Assert.Equal(["admin", "backup", "operator", "root"], process.List("/var/mail"));
        Assert.Equal(process.List("/var/mail"), host.List("/var/shared/mail"));
        Assert.Equal(["cron"], process.List("/var/spool"));
        Assert.Contains("admin: tuned /etc/motd\n", Text(process.ReadAllBytes("/var/log/messages")));
        Assert.Contains("console installed", Text(process.ReadAllBytes("/var/log/console.log")));
        // What 2026.09 wrote after the clone was carried over at 2026.10's first start: a new mailbox
        // added, a log that had changed kept side by side under the engine's name.<be>.
        Assert.Equal("From: cron\nSubject: nightly backup\n\ndone, 2.1 GB\n", Text(process.ReadAllBytes("/var/mail/backup")));
        Assert.Equal(["console.log", "messages", "syslog", "syslog.2026.09"], process.List("/var/log"));
        Assert.DoesNotContain("nightly backup", Text(process.ReadAllBytes("/var/log/syslog")));
        Assert.Contains("nightly backup started", Text(process.ReadAllBytes("/var/log/syslog.2026.09")));
        Assert.DoesNotContain(SharedCopy.StagingDirectory, host.List("/var/shared"));
        Assert.Contains("admin", process.List("/zones/web/root/var/mail"));
        Assert.Contains("console.log", process.List("/zones/web/root/var/log"));
    }

    [Fact]
    public async Task Seed_FreshHost_BootedBeKeptItsOriginalsAsideAndTheOldestKeepsItsOwnVar()
    {
        var (host, engine, _) = await SeededAsync();

        foreach (var dir in ModelLayout.SharedDirectories)
        {
            Assert.Equal(SharedLinks.Target(dir), host.ReadLink($"/var/{dir}"));
            Assert.Equal(SharedLinks.Target(dir), host.ReadLink($"/zones/db/root/var/{dir}"));
        }
        Assert.Equal(ModelLayout.SharedDirectories.Order(StringComparer.Ordinal), host.List(MigrateShared.KeptAside));

        Assert.True((await engine.RunAsync(new MountBe("2026.09", "/a"), ct: Ct)).Succeeded);
        Assert.Equal(FileKind.Directory, host.GetKind("/a/var/mail"));
        Assert.Equal(["backup", "operator", "root"], host.List("/a/var/mail"));
        Assert.Equal("SnapUpgrade lab host, BE 2026.09\n", Text(host.ReadAllBytes("/a/etc/release")));
    }

    [Fact]
    public async Task Seed_FreshHost_RebootBootsTheActivatedBeWithItsZonesAndSharedData()
    {
        var (host, engine, _) = await SeededAsync();

        Assert.True((await engine.RunAsync(new RebootHost(), ct: Ct)).Succeeded);

        var state = await engine.GetStateAsync(Ct);
        Assert.Equal(("2026.11", "2026.11"), (state.Booted?.Name, state.ActiveOnReboot?.Name));
        Assert.All(state.Zones, z => Assert.Equal("2026.11", Assert.Single(z.BootEnvironments, zb => zb.IsMounted).ParentBeName));
        Assert.Equal(["admin", "backup", "operator", "root"], host.AsProcess().List("/var/mail"));
        // The mail is shared; the admin's /etc/motd, written in 2026.10 after 2026.11 was made, is not.
        Assert.Equal(FileKind.Missing, host.GetKind("/etc/motd"));
    }

    [Fact]
    public async Task Seed_FreshHost_EveryOperationCompletedAndNothingIsPending()
    {
        await SeededAsync();

        Assert.Empty(await _journal.PendingAsync(Ct));
        var rows = await _journal.RecentAsync(100, Ct);
        Assert.All(rows, r => Assert.Equal("succeeded", r.Outcome));
        Assert.Equal(["shared-init", "zone-create", "zone-create", "create", "migrate-shared", "activate", "reboot", "carry-over",
            "create", "activate", "snapshot", "snapshot"], rows.Reverse().Select(r => r.Action));
    }

    [Fact]
    public async Task Seed_Twice_SeedsOnlyOnce()
    {
        using var stateFile = new TempStateFile();
        var host = new SimulatedZfs(stateFile.Path);
        Assert.True(await SeedAsync(host));
        var listing = await host.ListAsync("rpool", Ct);
        var rows = (await _journal.RecentAsync(100, Ct)).Count;

        Assert.False(await SeedAsync(host));
        Assert.False(await SeedAsync(new SimulatedZfs(stateFile.Path)));

        Assert.Equal(listing.Datasets, (await host.ListAsync("rpool", Ct)).Datasets);
        Assert.Equal(rows, (await _journal.RecentAsync(100, Ct)).Count);
    }

    [Fact]
    public async Task Seed_WithStateFile_SurvivesRestartWhole()
    {
        using var state = new TempStateFile();
        var host = new SimulatedZfs(state.Path);
        await SeedAsync(host);
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

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SeedAsync(host, cancelled.Token));

        Assert.True(host.HasPool("rpool"), "the pool was made in memory before the first command");
        Assert.False(new SimulatedZfs(state.Path).HasPool("rpool"));
        Assert.Empty(await _journal.PendingAsync(Ct));
    }
}
