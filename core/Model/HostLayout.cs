using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Model;

/// <summary>Which installer or BE tool laid the pool out, as far as its datasets tell.</summary>
public enum LayoutKind
{
    /// <summary>No <c>pool/ROOT</c>: no boot environments yet.</summary>
    None,
    /// <summary>The console's own (DESIGN section 1): <c>pool/ROOT/&lt;be&gt;</c>, <c>pool/VARSHARED</c>.</summary>
    SnapUpgrade,
    /// <summary>OpenZFS' Debian/Ubuntu root-on-ZFS guides: <c>pool/var/log</c> ... outside ROOT, each its own dataset.</summary>
    RootOnZfsGuide,
    /// <summary>FreeBSD's installer: <c>zroot/ROOT/default</c>, <c>zroot/usr/home</c>, <c>zroot/var/*</c> outside ROOT.</summary>
    FreeBsd,
    /// <summary>illumos (and Solaris 11): <c>rpool/ROOT/&lt;be&gt;</c> with <c>rpool/VARSHARE</c> at /var/share.</summary>
    Illumos,
    /// <summary>Ubuntu's zsys: deep BEs <c>rpool/ROOT/ubuntu_&lt;id&gt;</c>, <c>rpool/USERDATA</c>, a boot pool for /boot.</summary>
    Zsys,
    /// <summary>BEs with none of the console's properties (beadm, bectl, zectl) and nothing else to tell more.</summary>
    OtherTool,
}

/// <summary>A fixed directory that a dataset outside ROOT is mounted at: shared by its own dataset.</summary>
public sealed record SharedByDataset(string Directory, string Dataset);

/// <summary>
/// The layout a pool has, found from its structure (never from the pool's name) when the host is read:
/// what it is, what told so, and which fixed directories it already shares by a dataset of their own.
/// </summary>
/// <param name="Evidence">What was found, one short sentence each: shown under the layout's name.</param>
public sealed record HostLayout(LayoutKind Kind, IReadOnlyList<string> Evidence, IReadOnlyList<SharedByDataset> OwnDatasets)
{
    public static readonly HostLayout Empty = new(LayoutKind.None, [], []);

    /// <summary>illumos' shared dataset, the counterpart of the console's VARSHARED.</summary>
    public const string IllumosShared = "VARSHARE";

    public string Name => Kind switch
    {
        LayoutKind.None => "no boot environments",
        LayoutKind.SnapUpgrade => "SnapUpgrade",
        LayoutKind.RootOnZfsGuide => "OpenZFS root-on-ZFS guide (Debian/Ubuntu)",
        LayoutKind.FreeBsd => "FreeBSD",
        LayoutKind.Illumos => "illumos",
        LayoutKind.Zsys => "Ubuntu zsys",
        LayoutKind.OtherTool => "boot environments of another tool",
        _ => Kind.ToString(),
    };

    /// <summary>The dataset that shares <paramref name="directory"/> (<c>log</c>) by itself, or null.</summary>
    public string? OwnDatasetOf(string directory) => OwnDatasets.FirstOrDefault(o => o.Directory == directory)?.Dataset;

    /// <summary>
    /// Finds the layout of one pool listing; <paramref name="bes"/> are its global BEs, <paramref name="datasets"/>
    /// the pool's datasets (those below a BE's root may be left out: nothing below <c>pool/ROOT/&lt;be&gt;</c> tells a layout).
    /// </summary>
    public static HostLayout Recognise(IEnumerable<ZfsDataset> datasets, Layout layout, IReadOnlyList<BootEnvironment> bes)
    {
        var filesystems = datasets.Where(d => !d.IsSnapshot).ToDictionary(d => d.Name, StringComparer.Ordinal);
        if (!filesystems.ContainsKey(layout.BeContainer)) return Empty;

        var pool = layout.Pool;
        var outside = filesystems.Values.Where(d => d.Name != pool && !IsUnder(d.Name, layout.BeContainer) && !IsUnder(d.Name, layout.ZonesContainer)).ToList();
        var own = Layout.SharedDirectories
            .Select(dir => outside.FirstOrDefault(d => d.MountPoint == $"/var/{dir}" && d.CanMount != "off") is { } d ? new SharedByDataset(dir, d.Name) : null)
            .OfType<SharedByDataset>().ToList();
        var evidence = new List<string> { $"{bes.Count} boot environment(s) in {layout.BeContainer}" };
        evidence.AddRange(own.Select(o => $"/var/{o.Directory} is its own dataset {o.Dataset}"));
        var madeBy = bes.Select(b => b.MadeBy).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (madeBy.Count > 0) evidence.Add($"made by {string.Join(", ", madeBy)}");
        var adopted = bes.Count(b => b.Uuid is null);
        if (adopted > 0) evidence.Add($"{adopted} boot environment(s) without the console's properties (adopted as they are)");

        LayoutKind kind;
        if (filesystems.ContainsKey($"{pool}/USERDATA") || madeBy.Contains("zsys"))
        {
            kind = LayoutKind.Zsys;
            evidence.Add($"{pool}/USERDATA holds the users' data; /boot is on a boot pool of its own");
        }
        else if (filesystems.TryGetValue($"{pool}/{IllumosShared}", out var varshare))
        {
            kind = LayoutKind.Illumos;
            evidence.Add($"{varshare.Name} at {varshare.MountPoint} is this layout's shared dataset");
        }
        else if (filesystems.ContainsKey($"{pool}/usr/home") && own.Count > 0)
        {
            kind = LayoutKind.FreeBsd;
            evidence.Add($"{pool}/usr/home outside ROOT");
        }
        else if (own.Count > 0) kind = LayoutKind.RootOnZfsGuide;
        else if (filesystems.ContainsKey(layout.SharedDataset) || bes.Count == 0 || adopted == 0) kind = LayoutKind.SnapUpgrade;
        else kind = LayoutKind.OtherTool;
        return new HostLayout(kind, evidence, own);
    }

    private static bool IsUnder(string dataset, string parent) =>
        dataset == parent || dataset.StartsWith(parent + "/", StringComparison.Ordinal);
}
