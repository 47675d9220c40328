using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// Parses <c>zfs get -H -p -o name,property,value,source -r &lt;props&gt; &lt;pool&gt;</c> into one
/// <see cref="ZfsDataset"/> per dataset, in the order zfs printed them, without trusting any line to
/// be a record of its own.
/// </summary>
/// <remarks>
/// A text value (a user property, a mountpoint) set outside the console may hold tabs and line
/// breaks, and zfs prints it as it is. Tabs are harmless: name and property are the first two
/// fields, the source the last, the value everything between. A line break splits a value into
/// lines that may read as records of other datasets (a description holding
/// <c>"\nrpool/ROOT/be1\tmounted\tno\t-"</c> would unmount the booted BE in a naive reading). So the
/// parse checks the output against what it must be: zfs prints every asked property of every
/// dataset exactly once, in the asked order ("-" where it does not apply), a dataset's records
/// together; and the asked order ends with numbers (<see cref="Properties"/>), so the last record
/// of every dataset holds no line break. A value with a line break then always leaves a line that is
/// malformed, a second record of a pair, or a record of another dataset amid the rest of its own
/// (the dataset's last record still follows it), so the parse fails rather than guess. The caller
/// then reads the text values one by one (<see cref="TextProperties"/>) and parses again, giving
/// the values with line breaks as <c>known</c>.
/// </remarks>
public static class ZfsGetParser
{
    /// <summary>The properties <see cref="ZfsCli"/> asks for, explicitly: one unknown name fails the
    /// whole command on zfs-fuse, and <c>get all</c> costs seconds.</summary>
    /// <remarks>Numbers last: a dataset's last record cannot hold a line break (see the type's remarks).</remarks>
    public static readonly IReadOnlyList<string> Properties =
        ["type", "origin", "mountpoint", "mounted", "canmount", .. UserProperties.All, UserProperties.ZbmCommandLine, .. ForeignProperties.All, "guid", "numclones", "createtxg", "creation", "used", "referenced"];

    /// <summary>The asked properties whose values are free text, so may hold a line break.</summary>
    public static readonly IReadOnlySet<string> TextProperties = new HashSet<string>(["mountpoint", .. UserProperties.All, UserProperties.ZbmCommandLine, .. ForeignProperties.All]);

    private static readonly HashSet<string> Asked = [.. Properties];

    /// <summary>Parses the output of a full get, or says why it cannot be read record by record.</summary>
    /// <param name="known">Values known to hold line breaks (read one by one), by dataset and property.</param>
    public static ZfsGetResult Parse(string stdout, string? altroot,
        IReadOnlyDictionary<(string Name, string Property), string>? known = null)
    {
        var byName = new Dictionary<string, Dictionary<string, (string Value, string Source)>>(StringComparer.Ordinal);
        var order = new List<string>();
        var pos = 0;
        while (pos < stdout.Length)
        {
            var first = stdout.IndexOf('\t', pos);
            var second = first < 0 ? -1 : stdout.IndexOf('\t', first + 1);
            var lineEnd = stdout.IndexOf('\n', pos) is var n and >= 0 ? n : stdout.Length;
            if (first < 0 || second < 0 || second > lineEnd)
                return ZfsGetResult.Unreadable($"a line that is not a record: '{Excerpt(stdout, pos, lineEnd)}'");
            var name = stdout[pos..first];
            var property = stdout[(first + 1)..second];
            if (!Asked.Contains(property))
                return ZfsGetResult.Unreadable($"a record of no asked property: '{Excerpt(stdout, pos, lineEnd)}'");
            string value, source;
            if (known?.TryGetValue((name, property), out var whole) == true)
            {
                // The value is known (line breaks and all): it must stand here whole, then the source.
                var valueEnd = second + 1 + whole.Length;
                if (string.CompareOrdinal(stdout, second + 1, whole, 0, whole.Length) != 0
                    || valueEnd >= stdout.Length || stdout[valueEnd] != '\t')
                    return ZfsGetResult.Unreadable($"{name} {property} no longer holds the value read alone");
                lineEnd = stdout.IndexOf('\n', valueEnd) is var e and >= 0 ? e : stdout.Length;
                value = whole;
                source = stdout[(valueEnd + 1)..lineEnd];
            }
            else
            {
                var line = stdout[(second + 1)..lineEnd];
                var last = line.LastIndexOf('\t');
                if (last < 0) return ZfsGetResult.Unreadable($"a record without a source: '{Excerpt(stdout, pos, lineEnd)}'");
                value = line[..last];
                source = line[(last + 1)..];
            }
            if (!IsSource(source))
                return ZfsGetResult.Unreadable($"{name} {property}: '{source}' is not a property source");
            if (order.Count == 0 || order[^1] != name)
            {
                if (byName.ContainsKey(name))
                    return ZfsGetResult.Unreadable($"a record of {name} apart from its others: '{Excerpt(stdout, pos, lineEnd)}'");
                byName[name] = new(StringComparer.Ordinal);
                order.Add(name);
            }
            var props = byName[name];
            if (!props.TryAdd(property, (value, source)))
                return ZfsGetResult.Unreadable($"{name} {property} printed twice");
            pos = lineEnd + 1;
        }
        // A bookmark's lines are not read (no BE is one); a partial one cannot pass for a dataset.
        if (byName.FirstOrDefault(d => d.Value.Count != Properties.Count && !d.Key.Contains('#')) is { Key: { } partial })
            return ZfsGetResult.Unreadable($"{partial} has {byName[partial].Count} of the {Properties.Count} asked properties");
        return ZfsGetResult.Read([.. order.Select(n => ToDataset(n, byName[n], altroot)).OfType<ZfsDataset>()]);
    }

    /// <summary>
    /// The text-valued records of <c>zfs get -H -o name,property,source -r</c> (no values: nothing in
    /// it can be a line break) that hold a value: the ones to read one by one when a parse fails.
    /// </summary>
    public static IReadOnlyList<(string Name, string Property)> TextRecords(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(f => f.Length == 3 && TextProperties.Contains(f[1]) && f[2] != "-")
            .Select(f => (f[0], f[1]))];

    // zfs's sources: "-" (none), local, default, temporary, received, inherited from <dataset>.
    private static bool IsSource(string source) => source switch
    {
        "-" or "local" or "default" or "temporary" or "received" or "none" => true,
        _ => source.StartsWith("inherited from ", StringComparison.Ordinal) && source.Length > "inherited from ".Length,
    };

    private static string Excerpt(string text, int from, int to) => text[from..Math.Min(to, from + 200)];

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
            Mounted = Value(p, "mounted") == "yes",
            CanMount = Value(p, "canmount"),
            Uuid = Local(p, UserProperties.Uuid),
            ParentBe = Local(p, UserProperties.ParentBe),
            Active = Local(p, UserProperties.Active),
            Description = Local(p, UserProperties.Description),
            Keep = Local(p, UserProperties.Keep),
            NextBoot = Local(p, UserProperties.NextBoot),
            Trial = Local(p, UserProperties.Trial),
            Upgrade = Local(p, UserProperties.Upgrade),
            ConsoleMade = Local(p, UserProperties.ConsoleMade),
            CarryOver = Local(p, UserProperties.CarryOver),
            AuditHead = Local(p, UserProperties.AuditHead),
            ZbmCommandLine = Local(p, UserProperties.ZbmCommandLine),
            MadeBy = ForeignProperties.Tool(property => Local(p, property)),
            Guid = Value(p, "guid"),
            CreateTxg = Value(p, "createtxg") is { } txg ? long.Parse(txg) : 0,
            NumClones = kind == DatasetKind.Snapshot && Value(p, "numclones") is { } n ? int.Parse(n) : null,
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

/// <summary>A parse of a get: the datasets, or why the output could not be read record by record.</summary>
public sealed record ZfsGetResult(IReadOnlyList<ZfsDataset>? Datasets, string? Problem)
{
    public static ZfsGetResult Read(IReadOnlyList<ZfsDataset> datasets) => new(datasets, null);
    public static ZfsGetResult Unreadable(string problem) => new(null, problem);
}
