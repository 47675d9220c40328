using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// Parses <c>zfs get -H -p -o name,property,value,source -r &lt;props&gt; &lt;pool&gt;</c> into one
/// <see cref="ZfsDataset"/> per dataset, in the order zfs printed them.
/// </summary>
public static class ZfsGetParser
{
    /// <summary>The properties <see cref="ZfsCli"/> asks for, explicitly: one unknown name fails the
    /// whole command on zfs-fuse, and <c>get all</c> costs seconds.</summary>
    public static readonly IReadOnlyList<string> Properties =
        ["type", "creation", "used", "referenced", "origin", "mountpoint", "mounted", "canmount", .. UserProperties.All];

    public static IReadOnlyList<ZfsDataset> Parse(string stdout, string? altroot)
    {
        var byName = new Dictionary<string, Dictionary<string, (string Value, string Source)>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var raw in stdout.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0) continue;
            // A user property value may itself hold tabs: name and property are the first two
            // fields, source the last one, and the value is everything in between.
            var first = line.IndexOf('\t');
            var second = first < 0 ? -1 : line.IndexOf('\t', first + 1);
            var last = line.LastIndexOf('\t');
            if (first < 0 || second < 0 || last <= second)
                throw new FormatException($"zfs get: expected 4 tab-separated fields: {line}");
            var name = line[..first];
            if (!byName.TryGetValue(name, out var props))
            {
                byName[name] = props = new(StringComparer.Ordinal);
                order.Add(name);
            }
            props[line[(first + 1)..second]] = (line[(second + 1)..last], line[(last + 1)..]);
        }
        return order.Select(n => ToDataset(n, byName[n], altroot)).OfType<ZfsDataset>().ToList();
    }

    private static ZfsDataset? ToDataset(string name, Dictionary<string, (string Value, string Source)> p, string? altroot)
    {
        DatasetKind? kind = Value(p, "type") switch
        {
            "filesystem" => DatasetKind.Filesystem,
            "snapshot" => DatasetKind.Snapshot,
            "volume" => DatasetKind.Volume,
            _ => null, // bookmarks and whatever a later zfs adds are not the console's business
        };
        if (kind is null) return null;
        var mountPoint = Value(p, "mountpoint");
        return new ZfsDataset
        {
            Name = name,
            Kind = kind.Value,
            Created = Value(p, "creation") is { } c ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(c)) : default,
            Used = Value(p, "used") is { } u ? long.Parse(u) : 0,
            Referenced = Value(p, "referenced") is { } r ? long.Parse(r) : 0,
            Origin = Value(p, "origin"),
            MountPoint = mountPoint is null ? null : ZfsOutputParser.StripAltroot(mountPoint, altroot),
            MountPointIsLocal = mountPoint is not null && IsLocal(p, "mountpoint"),
            Mounted = Value(p, "mounted") == "yes",
            CanMount = Value(p, "canmount"),
            Uuid = Local(p, UserProperties.Uuid),
            ParentBe = Local(p, UserProperties.ParentBe),
            Active = Local(p, UserProperties.Active),
            Description = Local(p, UserProperties.Description),
            Keep = Local(p, UserProperties.Keep),
            NextBoot = Local(p, UserProperties.NextBoot),
            ConsoleMade = Local(p, UserProperties.ConsoleMade),
            CarryOver = Local(p, UserProperties.CarryOver),
            AuditHead = Local(p, UserProperties.AuditHead),
        };
    }

    private static string? Value(Dictionary<string, (string Value, string Source)> p, string property) =>
        p.TryGetValue(property, out var v) && v.Value != "-" ? v.Value : null;

    // "received" is a value zfs recv set on this very dataset: as much its own as "local".
    private static bool IsLocal(Dictionary<string, (string Value, string Source)> p, string property) =>
        p.TryGetValue(property, out var v) && v.Source is "local" or "received";

    private static string? Local(Dictionary<string, (string Value, string Source)> p, string property) =>
        IsLocal(p, property) ? Value(p, property) : null;
}
