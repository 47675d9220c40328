using System.Globalization;
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

    // Each asked property's place, looked up by the span of a line: a listing of 11,000 datasets is 300,000 lines, and a
    // string for each name, property, value and source of each was most of what a parse allocated (issue 13).
    private static readonly Dictionary<string, int> Asked =
        Properties.Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i, StringComparer.Ordinal);
    private static readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> AskedBySpan =
        Asked.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>One record's value: where it stands in the output, or the value read alone (line breaks and all).</summary>
    private readonly record struct Field(int Start, int Length, string? Whole, bool Local);

    /// <summary>Parses the output of a full get, or says why it cannot be read record by record.</summary>
    /// <param name="known">Values known to hold line breaks (read one by one), by dataset and property.</param>
    public static ZfsGetResult Parse(string stdout, string? altroot,
        IReadOnlyDictionary<(string Name, string Property), string>? known = null)
    {
        var datasets = new List<ZfsDataset>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var fields = new Field?[Properties.Count];
        string? current = null;
        var count = 0;
        string? partial = null; // the first dataset without every asked record: said once all lines are read
        var partialCount = 0;
        void Finish()
        {
            if (current is null) return;
            if (count != Properties.Count)
            {
                // A bookmark's lines are not read (no BE is one); a partial one cannot pass for a dataset.
                if (partial is null && !current.Contains('#')) (partial, partialCount) = (current, count);
            }
            else if (ToDataset(current, stdout, fields, altroot) is { } dataset) datasets.Add(dataset);
            Array.Clear(fields);
            count = 0;
        }
        var pos = 0;
        while (pos < stdout.Length)
        {
            var first = stdout.IndexOf('\t', pos);
            var second = first < 0 ? -1 : stdout.IndexOf('\t', first + 1);
            var lineEnd = stdout.IndexOf('\n', pos) is var n and >= 0 ? n : stdout.Length;
            if (first < 0 || second < 0 || second > lineEnd)
                return ZfsGetResult.Unreadable($"a line that is not a record: '{Excerpt(stdout, pos, lineEnd)}'");
            var name = stdout.AsSpan(pos, first - pos);
            if (!AskedBySpan.TryGetValue(stdout.AsSpan(first + 1, second - first - 1), out var at))
                return ZfsGetResult.Unreadable($"a record of no asked property: '{Excerpt(stdout, pos, lineEnd)}'");
            var property = Properties[at];
            var named = current is not null && name.SequenceEqual(current) ? current : name.ToString();
            Field field;
            ReadOnlySpan<char> source;
            if (known?.TryGetValue((named, property), out var whole) == true)
            {
                // The value is known (line breaks and all): it must stand here whole, then the source.
                var valueEnd = second + 1 + whole.Length;
                if (string.CompareOrdinal(stdout, second + 1, whole, 0, whole.Length) != 0
                    || valueEnd >= stdout.Length || stdout[valueEnd] != '\t')
                    return ZfsGetResult.Unreadable($"{named} {property} no longer holds the value read alone");
                lineEnd = stdout.IndexOf('\n', valueEnd) is var e and >= 0 ? e : stdout.Length;
                source = stdout.AsSpan(valueEnd + 1, lineEnd - valueEnd - 1);
                field = new(0, 0, whole, IsLocal(source));
            }
            else
            {
                var line = stdout.AsSpan(second + 1, lineEnd - second - 1);
                var last = line.LastIndexOf('\t');
                if (last < 0) return ZfsGetResult.Unreadable($"a record without a source: '{Excerpt(stdout, pos, lineEnd)}'");
                source = line[(last + 1)..];
                field = new(second + 1, last, null, IsLocal(source));
            }
            if (!IsSource(source))
                return ZfsGetResult.Unreadable($"{named} {property}: '{source}' is not a property source");
            if (!ReferenceEquals(named, current))
            {
                Finish();
                current = named;
                if (!seen.Add(current))
                    return ZfsGetResult.Unreadable($"a record of {current} apart from its others: '{Excerpt(stdout, pos, lineEnd)}'");
            }
            if (fields[at] is not null) return ZfsGetResult.Unreadable($"{current} {property} printed twice");
            fields[at] = field;
            count++;
            pos = lineEnd + 1;
        }
        Finish();
        return partial is not null
            ? ZfsGetResult.Unreadable($"{partial} has {partialCount} of the {Properties.Count} asked properties")
            : ZfsGetResult.Read(datasets);
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
    private static bool IsSource(ReadOnlySpan<char> source) => source switch
    {
        "-" or "local" or "default" or "temporary" or "received" or "none" => true,
        _ => source.StartsWith("inherited from ", StringComparison.Ordinal) && source.Length > "inherited from ".Length,
    };

    // "received" is a value zfs recv set on this very dataset: as much its own as "local".
    private static bool IsLocal(ReadOnlySpan<char> source) => source is "local" or "received";

    private static string Excerpt(string text, int from, int to) => text[from..Math.Min(to, from + 200)];

    private static ZfsDataset? ToDataset(string name, string stdout, Field?[] fields, string? altroot)
    {
        ReadOnlySpan<char> Span(string property) => fields[Asked[property]] is { Whole: null } f ? stdout.AsSpan(f.Start, f.Length) : "-";
        string? Value(string property) => fields[Asked[property]] is not { } f ? null
            : f.Whole is { } whole ? (whole == "-" ? null : whole)
            : stdout.AsSpan(f.Start, f.Length) is var span && span.SequenceEqual("-") ? null : Common(span);
        string? Local(string property) => fields[Asked[property]] is { Local: true } ? Value(property) : null;
        long Number(string property) => Span(property) is var span && !span.SequenceEqual("-") ? long.Parse(span, CultureInfo.InvariantCulture) : 0;

        DatasetKind? kind = Span("type") switch
        {
            "filesystem" => DatasetKind.Filesystem,
            "snapshot" => DatasetKind.Snapshot,
            "volume" => DatasetKind.Volume,
            _ => null, // bookmarks and whatever a later zfs adds are not the console's business
        };
        if (kind is null) return null;
        var mountPoint = Value("mountpoint");
        return new ZfsDataset
        {
            Name = name,
            Kind = kind.Value,
            Created = Span("creation") is var created && !created.SequenceEqual("-")
                ? DateTimeOffset.FromUnixTimeSeconds(long.Parse(created, CultureInfo.InvariantCulture)) : default,
            Used = Number("used"),
            Referenced = Number("referenced"),
            Origin = Value("origin"),
            MountPoint = mountPoint is null ? null : ZfsOutputParser.StripAltroot(mountPoint, altroot),
            Mounted = Span("mounted") is "yes",
            CanMount = Value("canmount"),
            Uuid = Local(UserProperties.Uuid),
            ParentBe = Local(UserProperties.ParentBe),
            Active = Local(UserProperties.Active),
            Description = Local(UserProperties.Description),
            Keep = Local(UserProperties.Keep),
            NextBoot = Local(UserProperties.NextBoot),
            Trial = Local(UserProperties.Trial),
            Upgrade = Local(UserProperties.Upgrade),
            ConsoleMade = Local(UserProperties.ConsoleMade),
            CarryOver = Local(UserProperties.CarryOver),
            AuditHead = Local(UserProperties.AuditHead),
            ZbmCommandLine = Local(UserProperties.ZbmCommandLine),
            MadeBy = ForeignProperties.Tool(Local),
            Guid = Value("guid"),
            CreateTxg = Number("createtxg"),
            NumClones = kind == DatasetKind.Snapshot && Span("numclones") is var clones && !clones.SequenceEqual("-")
                ? int.Parse(clones, CultureInfo.InvariantCulture) : null,
        };
    }

    /// <summary>A value as a string, the few that every dataset has (on, off, noauto) shared.</summary>
    private static string Common(ReadOnlySpan<char> value) => value switch
    {
        "on" => "on",
        "off" => "off",
        "noauto" => "noauto",
        "none" => "none",
        "legacy" => "legacy",
        _ => value.ToString(),
    };
}

/// <summary>A parse of a get: the datasets, or why the output could not be read record by record.</summary>
public sealed record ZfsGetResult(IReadOnlyList<ZfsDataset>? Datasets, string? Problem)
{
    public static ZfsGetResult Read(IReadOnlyList<ZfsDataset> datasets) => new(datasets, null);
    public static ZfsGetResult Unreadable(string problem) => new(null, problem);
}
