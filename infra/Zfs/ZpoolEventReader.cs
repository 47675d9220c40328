using System.Globalization;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// One event of <c>zpool events -H -v</c>: its class, its number (<c>eid</c>, counted by the kernel across
/// all pools), its pool, the kernel's time, and for a history event (<c>sysevent.fs.zfs.history_event</c>,
/// module/zfs/spa_history.c) what was done (<c>history_internal_name</c>: create, snapshot, set, destroy,
/// rename, clone, promote...) to which dataset (<c>history_dsname</c>; a snapshot's own name for
/// "snapshot"). <see cref="IsDropped"/>: zpool's "dropped N events" line: the kernel lost events.
/// </summary>
public sealed record ZpoolEvent(string Class, ulong? Eid = null, string? Pool = null, DateTimeOffset? Time = null,
    string? HistoryName = null, string? HistoryDataset = null)
{
    public const string HistoryClass = "sysevent.fs.zfs.history_event";
    public const string DroppedClass = "(dropped)";

    public bool IsDropped => Class == DroppedClass;
    public bool IsHistory => Class == HistoryClass;
    /// <summary>A fault report (checksum, I/O, delay...): says nothing of what the console shows.</summary>
    public bool IsErrorReport => Class.StartsWith("ereport.", StringComparison.Ordinal);
}

/// <summary>
/// Reads <c>zpool events -H -v</c> line by line (cmd/zpool/zpool_main.c, <c>zpool_do_events_next</c>): an
/// event is a line "time TAB class", then one "name = value" line per pair of its nvlist, indented by 8
/// spaces, then an empty line. Strings are printed in double quotes as they are, so a value holding a
/// line break goes on over the next lines (kept, joined) and one holding an empty line ends the event
/// early: that part has no <c>eid</c> (its reader treats it as an unknown change), and what follows
/// up to the next event's first line is skipped. Numbers are hex (<c>0x1b</c>); <c>time</c> is two
/// (seconds, nanoseconds), each followed by a space.
/// </summary>
public sealed class ZpoolEventReader
{
    private const string Indent = "        ";

    private string? _class;
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private string? _last;
    private bool _skipping;

    /// <summary>Takes one line (without its line break); returns the event it ends, if it ends one.</summary>
    public ZpoolEvent? Read(string line)
    {
        if (line.StartsWith("dropped ", StringComparison.Ordinal) && line.EndsWith(" events", StringComparison.Ordinal))
            return new ZpoolEvent(ZpoolEvent.DroppedClass);
        if (line.Length == 0) return End();
        if (Header(line) is { } eventClass)
        {
            var unfinished = End();
            _class = eventClass;
            _skipping = false;
            return unfinished;
        }
        if (_skipping || _class is null) return null;
        if (line.StartsWith(Indent, StringComparison.Ordinal) && line.IndexOf(" = ", StringComparison.Ordinal) is var eq and > 0
            && !line.AsSpan(Indent.Length, eq - Indent.Length).ContainsAny(' ', '"'))
        {
            _last = line[Indent.Length..eq];
            _values[_last] = line[(eq + 3)..];
        }
        else if (_last is not null)
        {
            _values[_last] += "\n" + line; // a string value with a line break
        }
        return null;
    }

    /// <summary>Every event of a whole output (the non-following <c>zpool events -H -v</c>).</summary>
    public static IReadOnlyList<ZpoolEvent> ReadAll(string output)
    {
        var reader = new ZpoolEventReader();
        var events = new List<ZpoolEvent>();
        foreach (var line in output.Split('\n'))
            if (reader.Read(line) is { } read) events.Add(read);
        if (reader.End() is { } last) events.Add(last);
        return events;
    }

    private ZpoolEvent? End()
    {
        if (_class is not { } eventClass) return null;
        var read = new ZpoolEvent(eventClass, Hex(Value("eid")), Text(Value("pool")), Time(Value("time")),
            Text(Value("history_internal_name")), Text(Value("history_dsname")));
        _class = null;
        _last = null;
        _values.Clear();
        _skipping = true; // until the next event's first line
        return read;
    }

    private string? Value(string name) => _values.GetValueOrDefault(name);

    /// <summary>"Jun 30 1993 21:49:08.123456789" TAB class (the -H form): the class, or null for any other line.</summary>
    private static string? Header(string line)
    {
        var tab = line.IndexOf('\t', StringComparison.Ordinal);
        if (tab != 30 || line.Length == tab + 1 || line[0] == ' ') return null;
        var eventClass = line[(tab + 1)..];
        return line[20] == '.' && !eventClass.Contains(' ', StringComparison.Ordinal) ? eventClass : null;
    }

    private static string? Text(string? value) =>
        value is { Length: >= 2 } && value[0] == '"' && value[^1] == '"' ? value[1..^1] : null;

    private static ulong? Hex(string? value) =>
        value is not null && value.StartsWith("0x", StringComparison.Ordinal)
            && ulong.TryParse(value.AsSpan(2).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var n)
            ? n : null;

    private static DateTimeOffset? Time(string? value)
    {
        var parts = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is [var seconds, var nanoseconds] && Hex(seconds) is { } s && Hex(nanoseconds) is { } ns && s < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds((long)s).AddTicks((long)(ns / 100))
            : null;
    }
}
