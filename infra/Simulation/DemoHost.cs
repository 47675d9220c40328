using System.Text;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// A believable host for a first start, made by the engine's own operations (run as the system
/// actor), so the demo shows what the console does and cannot drift from it: 2026.09 is the first
/// install (keep=on, its /var not migrated); 2026.10 was created from it, migrated while not booted,
/// activated and booted, and its first start carried over what 2026.09 wrote after the clone (the
/// safe path of the README); 2026.11 is activated for the next reboot; zones db and web with their
/// shared datasets; the admin's snapshots <c>@before-tuning</c> and <c>@daily</c>. Only what an admin
/// or a service writes (files in /etc, mail, log lines) is written directly, through the process
/// view (<see cref="SimulatedZfs.AsProcess"/>), which follows the /var links as their writers do.
/// </summary>
public static class DemoHost
{
    public static readonly IReadOnlyList<string> Zones = ["db", "web"];

    /// <summary>
    /// Seeds the pool <see cref="EngineOptions.Pool"/> when the host does not have it yet; false (and
    /// nothing done) when it has. The seed runs on an engine of its own over <paramref name="host"/>,
    /// on the host's clock (<see cref="SimulatedZfs.Backdate"/> makes the history months long), with
    /// <paramref name="journal"/> and <paramref name="audit"/>. The state file is written once, at the
    /// end: a seed cut off half-way leaves no pool behind, so the next start seeds again.
    /// </summary>
    public static async Task<bool> SeedAsync(SimulatedZfs host, EngineOptions options, IOperationJournal journal, IAuditLog audit,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        if (host.HasPool(options.Pool)) return false;
        using var persistence = host.DeferPersistence();
        host.CreatePool(options.Pool);
        var engine = new BeEngine(host, host, host, journal, options with { CanBootInProcess = true }, host.Clock);
        try
        {
            await new Seed(host, engine, new AuditedOperations(engine, audit), new Layout(options.Pool), ct).RunAsync();
        }
        finally
        {
            host.Backdate(TimeSpan.Zero);
        }
        persistence.Complete();
        return true;
    }

    private sealed class Seed(SimulatedZfs host, IEngine engine, AuditedOperations operations, Layout layout, CancellationToken ct)
    {
        private readonly SimulatedProcess _process = host.AsProcess();

        public async Task RunAsync()
        {
            // The first install: one BE with its own /var, as any host starts before it adopts the layout.
            host.Backdate(TimeSpan.FromDays(85));
            await LabBootstrap.InitializeAsync(host, host, layout.Pool, "2026.09", withShared: false, ct);
            // The console has no operation for these: the admin set them with zfs set.
            await host.ExecuteAsync(new ZfsSet(layout.Be("2026.09"), UserProperties.Description, "First install, before the shared /var migration"), ct);
            await host.ExecuteAsync(new ZfsSet(layout.Be("2026.09"), UserProperties.Keep, "on"), ct);
            WriteServiceData();

            // The console arrives: the shared dataset, then two zones (born migrated).
            host.Backdate(TimeSpan.FromDays(80));
            await RunAsync(new InitShared());
            Append("/var/log/console.log", "snapupgrade: console installed, shared datasets created\n");
            foreach (var zone in Zones)
            {
                await RunAsync(new CreateZone(zone));
                WriteZoneData(zone);
            }

            // October, the safe path: create, migrate the new BE (not booted), activate, reboot; the
            // first start carries over what 2026.09 wrote meanwhile.
            host.Backdate(TimeSpan.FromDays(55));
            await RunAsync(new CreateBe("2026.10", Description: "Monthly update, October"));
            await RunAsync(new MigrateShared("2026.10"));
            Append("/var/log/syslog", "Oct  1 01:58:12 demo cron[811]: nightly backup started\n");
            Write("/var/mail/backup", "From: cron\nSubject: nightly backup\n\ndone, 2.1 GB\n");
            await RunAsync(new ActivateBe("2026.10"));
            await RunAsync(new RebootHost());
            if ((await engine.GetStateAsync(ct)).Booted is not { Name: "2026.10", CarryOverFrom: null })
                throw new InvalidOperationException("Seeding the demo host: 2026.10 did not boot, or its first start carried nothing over.");
            Write("/var/mail/admin", "From: monitor\nSubject: disk usage\n\n42% used\n");
            Append("/var/log/messages", "boot: 2026.10 started with the shared /var\n");

            // November: a new BE, activated for the next reboot. (Not mounted to stage an update: a
            // mount of a BE with zones leaves /zones/<zone>/root in it, and a boot into it then fails.)
            host.Backdate(TimeSpan.FromDays(2));
            await RunAsync(new CreateBe("2026.11", Description: "Monthly update, November"));
            await RunAsync(new ActivateBe("2026.11"));

            // The admin tunes the running BE and snapshots it (2026.11 was made before: it has none of this).
            host.Backdate(TimeSpan.FromHours(20));
            Write("/etc/motd", "Welcome to the SnapUpgrade demo host.\n");
            await RunAsync(new SnapshotBe("2026.10", "before-tuning"));
            Append("/etc/motd", "Maintenance window: Sundays 02:00-04:00.\n");
            Append("/var/log/messages", "admin: tuned /etc/motd\n");
            host.Backdate(TimeSpan.FromHours(3));
            await RunAsync(new SnapshotBe("2026.10", "daily"));
        }

        /// <summary>What the services of the first install wrote into its own (not yet shared) /var.</summary>
        private void WriteServiceData()
        {
            _process.WriteAllBytes("/var/adm/wtmpx", new byte[4096]);
            Write("/var/log/syslog", "Sep  1 08:00:00 demo syslogd: restart\n");
            Write("/var/mail/operator", "From: cron\nSubject: backup done\n\nok\n");
            _process.CreateDirectory("/var/spool/cron");
            Write("/var/spool/cron/root", "0 2 * * * /usr/bin/backup\n");
        }

        /// <summary>A zone's release file, and what its services write through its /var links into its shared dataset.</summary>
        private void WriteZoneData(string zone)
        {
            var root = Layout.ZoneRoot(zone);
            _process.CreateDirectory($"{root}/etc");
            Write($"{root}/etc/release", $"SnapUpgrade demo zone {zone}\n");
            Write($"{root}/var/mail/admin", $"From: monitor@{zone}\nSubject: disk usage\n\n42% used\n");
            Write($"{root}/var/log/console.log", $"{zone}: zone installed\n");
            _process.WriteAllBytes($"{root}/var/adm/lastlog", new byte[2048]);
        }

        private async Task RunAsync(IOperation operation)
        {
            ct.ThrowIfCancellationRequested();
            var result = await operations.RunAsync(Actor.System, operation, ct: ct);
            if (!result.Succeeded)
                throw new InvalidOperationException(
                    $"Seeding the demo host: {operation.Action} {operation.Target} {result.Outcome.ToString().ToLowerInvariant()}: {result.Error?.Message}");
        }

        private void Write(string path, string text) => _process.WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

        private void Append(string path, string text) => _process.AppendAllBytes(path, Encoding.UTF8.GetBytes(text));
    }
}
