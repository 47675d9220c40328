using System.Text;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Lab;

/// <summary>
/// Lays a fresh, empty pool out as a booted host: <c>pool/ROOT</c>, a first BE mounted at the host
/// root with a small /var, and optionally <c>pool/VARSHARED</c>. Used for the simulator's demo host
/// and for test pools; a real host already has its root and adopts the layout with "shared init".
/// The clone/mount order follows what was measured on zfs-fuse (TESTING.md): never give a
/// dataset its mountpoint at creation, set it afterwards, then mount explicitly.
/// </summary>
public static class LabBootstrap
{
    public static async Task<string> InitializeAsync(IZfs zfs, IHostFiles files, string pool, string firstBe,
        bool withShared, CancellationToken ct = default)
    {
        var layout = new Layout(pool);
        await zfs.ExecuteAsync(new ZfsCreate(layout.BeContainer, new Dictionary<string, string>
        {
            ["canmount"] = "off", ["mountpoint"] = "none",
        }), ct);
        var uuid = Guid.NewGuid().ToString();
        var be = layout.Be(firstBe);
        await zfs.ExecuteAsync(new ZfsCreate(be, new Dictionary<string, string>
        {
            ["canmount"] = "noauto", [UserProperties.Uuid] = uuid,
        }), ct);
        await zfs.ExecuteAsync(new ZfsSet(be, "mountpoint", "/"), ct);
        await MountFirstAsync(zfs, be, ct);
        await zfs.ExecuteAsync(new ZpoolSetBootfs(pool, be), ct);

        foreach (var dir in new[] { "/etc", "/var", "/zones", "/tmp" }) files.CreateDirectory(dir);
        files.WriteAllBytes("/etc/release", Encoding.UTF8.GetBytes($"SnapUpgrade lab host, BE {firstBe}\n"));
        foreach (var dir in Layout.SharedDirectories) files.CreateDirectory($"/var/{dir}");
        files.WriteAllBytes("/var/log/messages", Encoding.UTF8.GetBytes("boot: first boot of the lab host\n"));
        files.WriteAllBytes("/var/mail/root", Encoding.UTF8.GetBytes("From: lab\nSubject: welcome\n\nhello\n"));

        if (withShared)
        {
            await zfs.ExecuteAsync(new ZfsCreate(layout.SharedDataset, new Dictionary<string, string>
            {
                ["mountpoint"] = Layout.SharedMountPoint,
            }), ct);
        }
        return uuid;
    }

    /// <summary>
    /// Mounts a lab's first BE, trying twice more after an I/O error: zfs-fuse's mount(2) of a fresh dataset failed
    /// once with EINVAL ("fuse: mount failed: Invalid argument" in its log; zfs says "Input/output error") among
    /// about a thousand mounts of a CI run's contract lane, classes side by side (session 17). A lab only: an
    /// operation on a host never retries a mount that failed so.
    /// </summary>
    private static async Task MountFirstAsync(IZfs zfs, string be, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await zfs.ExecuteAsync(new ZfsMount(be), ct);
                return;
            }
            catch (ZfsCommandException e) when (attempt < 3 && e.StandardError.Contains("Input/output error", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), ct);
            }
        }
    }

    /// <summary>The children <see cref="AddChildrenAsync"/> gives a BE, by relative name; <c>var</c> is canmount=off.</summary>
    public static readonly IReadOnlyList<string> DeepChildren = ["home", "usr", "var", "var/lib", "var/lib/dpkg"];

    /// <summary>Where <see cref="AddChildrenAsync"/> mounts the child <c>home</c>: a mountpoint of its own, not the inherited /home.</summary>
    public const string DeepHomeMountPoint = "/export/home";

    /// <summary>
    /// Makes the booted BE <paramref name="be"/> a deep BE, as bectl and zsys lay one out: <c>usr</c>
    /// and <c>var/lib/dpkg</c> three levels down inherit their mountpoints, <c>var</c> is a canmount=off
    /// container (its /var stays in the root), <c>home</c> has a mountpoint of its own. Each mounted
    /// child gets a file naming it, so a mount in the wrong order or place shows.
    /// </summary>
    public static async Task AddChildrenAsync(IZfs zfs, IHostFiles files, string pool, string be, CancellationToken ct = default)
    {
        var root = new Layout(pool).Be(be);
        foreach (var child in DeepChildren)
        {
            var dataset = $"{root}/{child}";
            await zfs.ExecuteAsync(new ZfsCreate(dataset, new Dictionary<string, string> { ["canmount"] = child == "var" ? "off" : "on" }), ct);
            if (child == "home") await zfs.ExecuteAsync(new ZfsSet(dataset, "mountpoint", DeepHomeMountPoint), ct);
            if (child == "var") continue;
            var at = child == "home" ? DeepHomeMountPoint : $"/{child}";
            files.WriteAllBytes($"{at}/{ChildMarker}", Encoding.UTF8.GetBytes($"{child}\n"));
        }
    }

    /// <summary>The file <see cref="AddChildrenAsync"/> writes into each mounted child.</summary>
    public const string ChildMarker = "child.txt";
}
