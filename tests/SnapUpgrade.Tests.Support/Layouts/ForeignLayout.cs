using System.Text;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Tests.Support.Layouts;

/// <summary>A file system a layout has, by its name below the pool (or below the BE's root, for a BE child).</summary>
/// <param name="MountPoint">Its own mountpoint; null: inherited from its parent.</param>
/// <param name="Mounts">canmount=on (mounted as the installer leaves it); false: canmount=off, a container.</param>
public sealed record LayoutDataset(string Name, string? MountPoint = null, bool Mounts = true);

/// <summary>
/// A host as another installer or BE tool lays it out, written as data: its BE with its tool's
/// property, the BE's children, the file systems outside ROOT and (zsys) a boot pool with /boot.
/// <see cref="BuildAsync"/> lays it on a test host's fresh pool; the pool's name plays no part.
/// </summary>
public sealed record ForeignLayout(string Title, LayoutKind Kind, string Be, IReadOnlyDictionary<string, string> BeProperties,
    IReadOnlyList<LayoutDataset> BeChildren, IReadOnlyList<LayoutDataset> Outside, bool BootPool = false)
{
    /// <summary>OpenZFS' Debian root-on-ZFS guide: /var/log, /var/spool, /var/mail ... each a dataset outside ROOT.</summary>
    public static readonly ForeignLayout DebianGuide = new("debian-guide", LayoutKind.RootOnZfsGuide, "debian",
        new Dictionary<string, string>(), [],
        [
            new("home", "/home"), new("home/root", "/root"),
            new("var", "/var", Mounts: false), new("var/lib", Mounts: false), new("var/log"), new("var/spool"), new("var/mail"),
            new("var/cache"), new("srv", "/srv"),
        ]);

    /// <summary>FreeBSD's installer: zroot/ROOT/default, zroot/usr/home, zroot/var/{audit,crash,log,mail,tmp}.</summary>
    public static readonly ForeignLayout FreeBsd = new("freebsd", LayoutKind.FreeBsd, "default",
        new Dictionary<string, string>(), [],
        [
            new("home", "/home"), new("usr", "/usr", Mounts: false), new("usr/home"), new("usr/ports"), new("usr/src"),
            new("var", "/var", Mounts: false), new("var/audit"), new("var/crash"), new("var/log"), new("var/mail"), new("var/tmp"),
        ]);

    /// <summary>illumos (OpenIndiana), a BE made by beadm: rpool/VARSHARE at /var/share, rpool/export/home.</summary>
    public static readonly ForeignLayout Illumos = new("illumos", LayoutKind.Illumos, "openindiana",
        new Dictionary<string, string> { [ForeignProperties.LibbeUuid] = "a0d6d0b4-6c09-4a8a-b4a5-3f3c2c5a1e01" }, [],
        [new("VARSHARE", "/var/share"), new("export", "/export"), new("export/home")]);

    /// <summary>Ubuntu's zsys: a deep BE with var/log etc. inside it, USERDATA, and bpool/BOOT/&lt;be&gt; at /boot.</summary>
    public static readonly ForeignLayout Zsys = new("zsys", LayoutKind.Zsys, "ubuntu_k7d3x1",
        new Dictionary<string, string> { [ForeignProperties.ZsysBootfs] = "yes", [ForeignProperties.ZsysLastUsed] = "1764547200" },
        [
            new("srv"), new("usr", Mounts: false), new("usr/local"), new("var", Mounts: false), new("var/lib"),
            new("var/log"), new("var/mail"), new("var/spool"),
        ],
        [new("USERDATA", "/", Mounts: false), new("USERDATA/root_q2w8e4", "/root")], BootPool: true);

    public static readonly IReadOnlyList<ForeignLayout> All = [DebianGuide, FreeBsd, Illumos, Zsys];

    public static ForeignLayout Named(string title) => All.Single(l => l.Title == title);

    /// <summary>The relative names of the BE's children as the console lists them (parents first).</summary>
    public IReadOnlyList<string> ChildNames => [.. BeChildren.Select(c => c.Name).Order(StringComparer.Ordinal)];

    /// <summary>The fixed directories (adm, log, mail, spool) this layout shares by a dataset outside ROOT.</summary>
    public IReadOnlyList<SharedByDataset> OwnDatasets(string pool) =>
        [.. Layout.SharedDirectories.Where(d => Outside.Any(o => o.Name == $"var/{d}" && o.Mounts))
            .Select(d => new SharedByDataset(d, $"{pool}/var/{d}"))];

    /// <summary>Lays the layout out on the host's fresh pool, the BE booted; returns the boot pool's name, if any.</summary>
    public async Task<string?> BuildAsync(ITestHost host)
    {
        var zfs = host.Zfs;
        var pool = host.Pool;
        await zfs.ExecuteAsync(new ZfsCreate($"{pool}/ROOT", new Dictionary<string, string> { ["canmount"] = "off", ["mountpoint"] = "none" }));
        var be = $"{pool}/ROOT/{Be}";
        await zfs.ExecuteAsync(new ZfsCreate(be, new Dictionary<string, string>(BeProperties) { ["canmount"] = "noauto" }));
        await zfs.ExecuteAsync(new ZfsSet(be, "mountpoint", "/"));
        await zfs.ExecuteAsync(new ZfsMount(be));
        await zfs.ExecuteAsync(new ZpoolSetBootfs(pool, be));
        foreach (var dir in new[] { "/etc", "/var" }) host.Files.CreateDirectory(dir);
        host.Files.WriteAllBytes("/etc/release", Encoding.UTF8.GetBytes($"{Title} host, BE {Be}\n"));

        foreach (var child in BeChildren) await CreateAsync(host, $"{be}/{child.Name}", child);
        foreach (var dataset in Outside) await CreateAsync(host, $"{pool}/{dataset.Name}", dataset);
        // What the guides leave in /var: a directory for each fixed one that no dataset mounts at.
        foreach (var dir in Layout.SharedDirectories.Where(d => host.Files.GetKind($"/var/{d}") == Core.Host.FileKind.Missing))
            host.Files.CreateDirectory($"/var/{dir}");
        host.Files.WriteAllBytes("/var/log/messages", Encoding.UTF8.GetBytes($"boot: {Title}\n"));

        if (!BootPool) return null;
        var bootPool = await host.AddPoolAsync();
        await zfs.ExecuteAsync(new ZfsCreate($"{bootPool}/BOOT", new Dictionary<string, string> { ["canmount"] = "off", ["mountpoint"] = "none" }));
        await CreateAsync(host, $"{bootPool}/BOOT/{Be}", new LayoutDataset(Be, "/boot"), BeProperties);
        host.Files.WriteAllBytes("/boot/vmlinuz", Encoding.UTF8.GetBytes("kernel\n"));
        return bootPool;
    }

    /// <summary>
    /// One file system, as measured on zfs-fuse (TESTING.md): never a mountpoint at creation; set it
    /// afterwards, then mount explicitly.
    /// </summary>
    private static async Task CreateAsync(ITestHost host, string dataset, LayoutDataset spec, IReadOnlyDictionary<string, string>? properties = null)
    {
        await host.Zfs.ExecuteAsync(new ZfsCreate(dataset, new Dictionary<string, string>(properties ?? new Dictionary<string, string>())
        {
            ["canmount"] = spec.Mounts ? "noauto" : "off",
        }));
        if (spec.MountPoint is { } mountPoint) await host.Zfs.ExecuteAsync(new ZfsSet(dataset, "mountpoint", mountPoint));
        if (!spec.Mounts) return;
        await host.Zfs.ExecuteAsync(new ZfsSet(dataset, "canmount", "on"));
        var pool = dataset[..dataset.IndexOf('/')];
        if ((await host.Zfs.ListAsync(pool)).Find(dataset) is { Mounted: false }) await host.Zfs.ExecuteAsync(new ZfsMount(dataset));
    }
}
