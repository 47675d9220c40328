using System.Text;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// A believable host for a first start: three BEs (2026.09 oldest and not yet migrated to the shared
/// /var, 2026.10 booted, 2026.11 activated for the next reboot), two zones, shared datasets with
/// mail and logs. Built through IZfs and IHostFiles (and the process view where an admin's shell
/// would write through a shared /var link), with the command sequences the console itself runs (snapshot, clone -o canmount=noauto, set mountpoint=/, promote, bootfs), so the
/// seed doubles as a smoke test of the simulator.
/// </summary>
public static class DemoHost
{
    public static readonly IReadOnlyList<string> Zones = ["db", "web"];

    public static async Task SeedAsync(SimulatedZfs host, string pool = "rpool", CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        // Persisted once at the end: a seed interrupted half-way leaves no pool behind, so the next
        // start seeds again instead of showing a half-built host.
        using var persistence = host.DeferPersistence();
        host.CreatePool(pool);
        var seed = new Seed(host, host, new Layout(pool), ct);
        try
        {
            await seed.RunAsync();
        }
        finally
        {
            host.Backdate(TimeSpan.Zero);
        }
        persistence.Complete();
    }

    private sealed class Seed(SimulatedZfs host, IHostFiles files, Layout layout, CancellationToken ct)
    {
        private readonly IZfs _zfs = host;
        private readonly Dictionary<string, string> _uuids = new(StringComparer.Ordinal);

        public async Task RunAsync()
        {
            host.Backdate(TimeSpan.FromDays(85));
            _uuids["2026.09"] = await LabBootstrap.InitializeAsync(_zfs, files, layout.Pool, "2026.09", withShared: true, ct);
            await RunAsync(new ZfsSet(layout.Be("2026.09"), UserProperties.Description, "First install, before the shared /var migration"));
            await RunAsync(new ZfsSet(layout.Be("2026.09"), UserProperties.Keep, "on"));
            WriteOldBeContent("");
            WriteSharedContent("/var/shared", "global");

            await RunAsync(new ZfsCreate(layout.ZonesContainer, new Dictionary<string, string>
            {
                ["canmount"] = "off", ["mountpoint"] = "/zones",
            }));
            foreach (var zone in Zones) await CreateZoneAsync(zone, "2026.09");

            host.Backdate(TimeSpan.FromDays(55));
            await CreateBeAsync("2026.09", "2026.10", "Monthly update, October");
            await ActivateAsync("2026.10");
            await RebootAsync("2026.09", "2026.10");
            Migrate("");
            foreach (var zone in Zones) Migrate(Layout.ZoneRoot(zone));

            host.Backdate(TimeSpan.FromDays(2));
            await CreateBeAsync("2026.10", "2026.11", "Monthly update, November");
            await UpdateReleaseAsync("2026.11");
            await ActivateAsync("2026.11");

            // The admin's own snapshots of the running BE, after the update was staged.
            host.Backdate(TimeSpan.FromHours(20));
            files.WriteAllBytes("/etc/motd", Text("Welcome to the SnapUpgrade demo host.\n"));
            await RunAsync(new ZfsSnapshot(layout.Be("2026.10") + "@before-tuning"));
            files.AppendAllBytes("/etc/motd", Text("Maintenance window: Sundays 02:00-04:00.\n"));
            // /var/log is a link into the shared dataset by now: the admin's shell follows it, the port would not.
            host.AsProcess().AppendAllBytes("/var/log/messages", Text("admin: tuned /etc/motd\n"));
            host.Backdate(TimeSpan.FromHours(3));
            await RunAsync(new ZfsSnapshot(layout.Be("2026.10") + "@daily"));
        }

        private async Task CreateZoneAsync(string zone, string be)
        {
            await RunAsync(new ZfsCreate(layout.Zone(zone)));
            await RunAsync(new ZfsCreate(layout.ZoneBeContainer(zone), new Dictionary<string, string>
            {
                ["canmount"] = "off", ["mountpoint"] = "none",
            }));
            var zoneBe = layout.ZoneBe(zone, be);
            await RunAsync(new ZfsCreate(zoneBe, new Dictionary<string, string>
            {
                ["canmount"] = "noauto", [UserProperties.ParentBe] = _uuids[be], [UserProperties.Active] = "on",
            }));
            await RunAsync(new ZfsSet(zoneBe, "mountpoint", Layout.ZoneRoot(zone)));
            await RunAsync(new ZfsMount(zoneBe));
            WriteOldBeContent(Layout.ZoneRoot(zone));
            files.CreateDirectory($"{Layout.ZoneRoot(zone)}/etc");
            files.WriteAllBytes($"{Layout.ZoneRoot(zone)}/etc/release", Text($"SnapUpgrade demo zone {zone}\n"));

            await RunAsync(new ZfsCreate(layout.ZoneShared(zone), new Dictionary<string, string>
            {
                ["canmount"] = "noauto", ["mountpoint"] = Layout.ZoneSharedMountPoint(zone),
            }));
            await RunAsync(new ZfsMount(layout.ZoneShared(zone)));
            WriteSharedContent(Layout.ZoneSharedMountPoint(zone), zone);
        }

        /// <summary>What the console's create does: one atomic snapshot of the BE and its zone BEs, then a clone each.</summary>
        private async Task CreateBeAsync(string source, string name, string description)
        {
            var uuid = Guid.NewGuid().ToString();
            _uuids[name] = uuid;
            var made = new Dictionary<string, string> { [UserProperties.ConsoleMade] = "on" };
            IReadOnlyList<string> snapshots = [$"{layout.Be(source)}@{name}", .. Zones.Select(z => $"{layout.ZoneBe(z, source)}@{name}")];
            await RunAsync(new ZfsSnapshot(snapshots, recursive: false, made));
            await RunAsync(new ZfsClone($"{layout.Be(source)}@{name}", layout.Be(name), new Dictionary<string, string>
            {
                ["canmount"] = "noauto", [UserProperties.Uuid] = uuid, [UserProperties.Description] = description,
            }));
            await RunAsync(new ZfsSet(layout.Be(name), "mountpoint", "/"));
            foreach (var zone in Zones)
            {
                await RunAsync(new ZfsClone($"{layout.ZoneBe(zone, source)}@{name}", layout.ZoneBe(zone, name), new Dictionary<string, string>
                {
                    ["canmount"] = "noauto", [UserProperties.ParentBe] = uuid, [UserProperties.Active] = "off",
                }));
                await RunAsync(new ZfsSet(layout.ZoneBe(zone, name), "mountpoint", Layout.ZoneRoot(zone)));
            }
        }

        /// <summary>An update applied to the new BE at an alternate root, as a package update would.</summary>
        private async Task UpdateReleaseAsync(string be)
        {
            var altRoot = $"/tmp/be-{be}";
            await RunAsync(new ZfsSet(layout.Be(be), "mountpoint", altRoot));
            await RunAsync(new ZfsMount(layout.Be(be)));
            files.WriteAllBytes($"{altRoot}/etc/release", Text($"SnapUpgrade demo host, BE {be}\n"));
            await RunAsync(new ZfsUnmount(layout.Be(be)));
            await RunAsync(new ZfsSet(layout.Be(be), "mountpoint", "/"));
        }

        /// <summary>Activation as the engine does it: promote until no origin, flip zone flags, then bootfs (the commit).</summary>
        private async Task ActivateAsync(string be)
        {
            var listing = await _zfs.ListAsync(layout.Pool, ct);
            foreach (var dataset in new[] { layout.Be(be) }.Concat(Zones.Select(z => layout.ZoneBe(z, be))))
                if (listing.Find(dataset)?.Origin is not null)
                    await RunAsync(new ZfsPromote(dataset));
            foreach (var zone in Zones)
                foreach (var other in _uuids.Keys)
                    await RunAsync(new ZfsSet(layout.ZoneBe(zone, other), UserProperties.Active, other == be ? "on" : "off"));
            await RunAsync(new ZpoolSetBootfs(layout.Pool, layout.Be(be)));
        }

        /// <summary>A "reboot": everything of the old BE unmounted deepest first, the new one mounted in boot order.</summary>
        private async Task RebootAsync(string from, string to)
        {
            foreach (var zone in Zones)
            {
                await RunAsync(new ZfsUnmount(layout.ZoneShared(zone)));
                await RunAsync(new ZfsUnmount(layout.ZoneBe(zone, from)));
                await RunAsync(new ZfsUnmount(layout.Zone(zone)));
            }
            await RunAsync(new ZfsUnmount(layout.SharedDataset));
            await RunAsync(new ZfsUnmount(layout.Be(from)));

            await RunAsync(new ZfsMount(layout.Be(to)));
            await RunAsync(new ZfsMount(layout.SharedDataset));
            foreach (var zone in Zones)
            {
                await RunAsync(new ZfsMount(layout.Zone(zone)));
                await RunAsync(new ZfsMount(layout.ZoneBe(zone, to)));
                await RunAsync(new ZfsMount(layout.ZoneShared(zone)));
            }
        }

        /// <summary>/var/adm ... become relative links into the shared dataset; a name already there is kept side by side.</summary>
        private void Migrate(string root)
        {
            foreach (var dir in Layout.SharedDirectories)
            {
                var local = $"{root}/var/{dir}";
                var shared = $"{root}/var/shared/{dir}";
                if (files.GetKind(local) != FileKind.Directory) continue;
                files.CreateDirectory(shared);
                foreach (var name in files.List(local))
                {
                    var target = files.GetKind($"{shared}/{name}") == FileKind.Missing ? $"{shared}/{name}" : $"{shared}/{name}.migrated";
                    files.Move($"{local}/{name}", target);
                }
                files.Delete(local);
                files.CreateSymlink(local, SharedLinks.Target(dir));
            }
        }

        private void WriteOldBeContent(string root)
        {
            foreach (var dir in Layout.SharedDirectories) files.CreateDirectory($"{root}/var/{dir}");
            files.WriteAllBytes($"{root}/var/adm/wtmpx", new byte[4096]);
            files.WriteAllBytes($"{root}/var/log/syslog", Text("Sep  1 08:00:00 demo syslogd: restart\n"));
            files.WriteAllBytes($"{root}/var/mail/operator", Text("From: cron\nSubject: backup done\n\nok\n"));
            files.CreateDirectory($"{root}/var/spool/cron");
            files.WriteAllBytes($"{root}/var/spool/cron/root", Text("0 2 * * * /usr/bin/backup\n"));
        }

        private void WriteSharedContent(string sharedRoot, string who)
        {
            foreach (var dir in Layout.SharedDirectories) files.CreateDirectory($"{sharedRoot}/{dir}");
            files.WriteAllBytes($"{sharedRoot}/mail/admin", Text($"From: monitor@{who}\nSubject: disk usage\n\n42% used\n"));
            files.WriteAllBytes($"{sharedRoot}/log/console.log", Text($"{who}: console installed\n"));
            files.WriteAllBytes($"{sharedRoot}/adm/lastlog", new byte[2048]);
        }

        private Task RunAsync(ZfsCommand command) => _zfs.ExecuteAsync(command, ct);

        private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);
    }
}
