using System.Text;
using System.Text.Json;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Staging;

/// <summary>
/// The apply's progress, one JSON line per event, appended (and fsynced by the port) to a file in
/// the BE's staging directory beside the staged tree (<c>/var/.snapupgrade/staged/.applied-log</c>): the staging copy made,
/// each entry begun (with what it is about to do: the side-by-side name, the live size before an
/// append) and done (with its report line), the whole apply finished. A rerun after a crash reads
/// it back: done entries are not touched again, a begun one is finished from what was written
/// before it started. See ADR 0025.
/// </summary>
internal sealed class ApplyJournal
{
    private readonly IHostFiles _files;
    private readonly string _path;
    private readonly Dictionary<int, Step> _begun = [];
    private readonly Dictionary<int, AppliedChange> _done = [];

    private ApplyJournal(IHostFiles files, string path)
    {
        _files = files;
        _path = path;
    }

    public bool Copied { get; private set; }
    public bool Finished { get; private set; }

    /// <summary>Reads what an earlier run wrote (nothing when the file is missing).</summary>
    public static ApplyJournal Open(IHostFiles files, string path)
    {
        var journal = new ApplyJournal(files, path);
        if (files.GetKind(path) == FileKind.Missing) return journal;
        var text = Encoding.UTF8.GetString(files.ReadAllBytes(path));
        var lines = text.Split('\n');
        // The last piece has no newline: a kill during its write (or an empty end). It is ignored,
        // and ended here so the next line starts on a line of its own.
        if (lines[^1].Length > 0) files.AppendAllBytes(path, "\n"u8.ToArray());
        foreach (var line in lines[..^1])
        {
            var step = JsonSerializer.Deserialize<Step>(line) ?? throw new InvalidDataException($"{path}: an empty journal line");
            journal.Take(step);
        }
        return journal;
    }

    public Step? Begun(int index) => _begun.GetValueOrDefault(index);

    public AppliedChange? Done(int index) => _done.GetValueOrDefault(index);

    public void Write(Step step)
    {
        _files.AppendAllBytes(_path, [.. JsonSerializer.SerializeToUtf8Bytes(step), (byte)'\n']);
        Take(step);
    }

    private void Take(Step step)
    {
        if (step.Copied) Copied = true;
        if (step.Finished) Finished = true;
        if (step.Index is not { } index) return;
        if (step.Done is { } done) _done[index] = done;
        else _begun[index] = step;
    }

    /// <summary>
    /// One journal line. <see cref="Path"/> is checked against the change at <see cref="Index"/>. A
    /// begun entry carries <see cref="Intended"/>: its report line, should a rerun find it done; a
    /// replacement carries the identity of the copy it exchanges with the live entry.
    /// </summary>
    public sealed record Step(
        int? Index = null,
        string? Path = null,
        string? Action = null,
        string? To = null,
        long? LiveSize = null,
        long? Length = null,
        FileIdentity? Identity = null,
        AppliedChange? Intended = null,
        AppliedChange? Done = null,
        bool Copied = false,
        bool Finished = false);
}
