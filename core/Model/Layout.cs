namespace SnapUpgrade.Core.Model;

/// <summary>The dataset layout the console creates and expects (DESIGN section 1), for one pool.</summary>
public sealed record Layout(string Pool)
{
    /// <summary>The directories that live on the shared dataset. Fixed in code on purpose: the
    /// proposal makes the list a non-public interface.</summary>
    public static readonly IReadOnlyList<string> SharedDirectories = ["adm", "log", "mail", "spool"];

    public const string SharedMountPoint = "/var/shared";

    public string BeContainer => $"{Pool}/ROOT";
    public string Be(string name) => $"{BeContainer}/{name}";
    public string SharedDataset => $"{Pool}/VARSHARED";
    public string ZonesContainer => $"{Pool}/zones";
    public string Zone(string zone) => $"{ZonesContainer}/{zone}";
    public string ZoneBeContainer(string zone) => $"{Zone(zone)}/ROOT";
    public string ZoneBe(string zone, string be) => $"{ZoneBeContainer(zone)}/{be}";
    public string ZoneShared(string zone) => $"{Zone(zone)}/VARSHARED";

    /// <summary>Where zones live on the host; what mounts there is a zone's, never part of a BE.</summary>
    public const string ZonesMountPoint = "/zones";

    public static string ZonePath(string zone) => $"{ZonesMountPoint}/{zone}";
    public static string ZoneRoot(string zone) => $"/zones/{zone}/root";
    public static string ZoneSharedMountPoint(string zone) => $"{ZoneRoot(zone)}/var/shared";

    /// <summary>The global BE name of <c>pool/ROOT/name</c>, or null when the dataset is not one.</summary>
    public string? BeName(string dataset) => ChildName(BeContainer, dataset);

    /// <summary>(zone, be) of <c>pool/zones/zone/ROOT/be</c>, or null.</summary>
    public (string Zone, string Be)? ZoneBeName(string dataset)
    {
        var zone = ZoneName(dataset[..Math.Max(0, dataset.LastIndexOf("/ROOT/", StringComparison.Ordinal))]);
        if (zone is null) return null;
        var be = ChildName(ZoneBeContainer(zone), dataset);
        return be is null ? null : (zone, be);
    }

    /// <summary>The zone name of <c>pool/zones/zone</c>, or null.</summary>
    public string? ZoneName(string dataset) => ChildName(ZonesContainer, dataset);

    private static string? ChildName(string parent, string dataset) =>
        dataset.StartsWith(parent + "/", StringComparison.Ordinal) && !dataset[(parent.Length + 1)..].Contains('/')
            ? dataset[(parent.Length + 1)..]
            : null;

    /// <summary>Joins an alternate root and a host path: ("/a", "/var/shared") is "/a/var/shared".</summary>
    public static string Under(string root, string path) =>
        root == "/" ? path : root.TrimEnd('/') + (path == "/" ? "" : path);
}
