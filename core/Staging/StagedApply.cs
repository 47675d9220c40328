using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Steps;
using static SnapUpgrade.Core.Staging.StagedChanges;

namespace SnapUpgrade.Core.Staging;

/// <summary>
/// Applies a BE's staged writes (<see cref="StagedChanges"/>) to the live shared data at
/// <paramref name="live"/> (<c>/var/shared</c>), root-safe and never overwriting: new entries are
/// added; appended files get their appended part appended to the live file (also when it grew
/// meanwhile); a file changed otherwise is replaced atomically only when the live one is still as in
/// the base (exchanged with it, so a change made meanwhile is swapped back, never lost; the base
/// snapshot keeps the old one), and otherwise goes side by side as
/// <c>name.&lt;be&gt;</c>; a deletion is performed only where the live entry is as in the base. A link
/// or a file where a directory is expected live refuses that entry; the others go on.
/// <para>
/// The staged tree is first copied by <see cref="IHostFiles.CopyTreeAsync"/> (rsync: owners, modes
/// with setuid only where the owner is kept, times, xattrs but overlayfs' own; links as links; FIFOs
/// and devices recreated, never read) into a private staging directory on the shared dataset, verified, and each
/// entry is then renamed into place from there (no-replace, or <see cref="IHostFiles.Exchange"/>).
/// Progress is journalled (<see cref="ApplyJournal"/>), so a rerun after a kill at any point ends
/// as one clean run would (ADR 0025). The staged tree itself is never changed: the journal is kept beside it
/// (<see cref="JournalBeside"/>), so every name in the tree, a package's <c>/var/log/.applied</c> too, is a staged write.
/// </para>
/// </summary>
/// <param name="be">The BE whose writes these are: the side-by-side suffix.</param>
public sealed class StagedApply(IHostFiles files, StagedChanges staged, string live, string be)
{
    /// <summary>The start of the journal's name, beside the staged tree it is about (<see cref="JournalBeside"/>).</summary>
    public const string JournalName = ".applied";

    /// <summary>
    /// The journal of the staged tree <paramref name="upper"/>: <c>.applied-&lt;its name&gt;</c> in its parent directory
    /// (<c>/var/.snapupgrade/staged/.applied-log</c> for <c>.../staged/log</c>), never inside the tree. Until session 18 it
    /// was <c>.applied</c> at the tree's top, and a package's own file of that name was taken for it and never applied.
    /// </summary>
    public static string JournalBeside(string upper)
    {
        var trimmed = upper.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        if (slash < 0 || slash == trimmed.Length - 1) throw new ArgumentException($"'{upper}' names no directory with a parent", nameof(upper));
        return $"{trimmed[..slash]}/{JournalName}-{trimmed[(slash + 1)..]}";
    }

    private readonly IHostFiles _files = files;
    private readonly StagedChanges _staged = staged;
    private readonly string _be = be;
    private readonly string _live = live.TrimEnd('/');

    /// <summary>Called at every point a kill could cut the apply ("copied", "begun 3", "acted 3", "done 3"): for tests.</summary>
    public Action<string>? Checkpoint { get; init; }

    /// <summary>
    /// Where progress is journalled: by default beside the staged tree (<see cref="JournalBeside"/>: the BE's,
    /// writable once it is booted); another writable place when it is not (an apply at activation, from a BE
    /// mounted read-only).
    /// </summary>
    public string JournalPath { get; init; } = JournalBeside(staged.Upper);

    /// <summary>The console's own copy of the staged tree on the shared dataset: 0700 parent, removed at the end.</summary>
    public string StagingCopy => $"{StagingRoot}/staged-{_be}";

    private string StagingRoot => $"{_live}/{SharedCopy.StagingDirectory}";

    public async Task<StagedApplyReport> RunAsync(CancellationToken ct = default)
    {
        var journal = ApplyJournal.Open(_files, JournalPath);
        if (!journal.Finished && !journal.Copied) await CopyAsync(journal, ct);
        var report = new List<AppliedChange>();
        var placedWhole = new List<AppliedChange>(); // directories renamed into place with all below them
        for (var index = 0; index < _staged.Changes.Count; index++)
        {
            ct.ThrowIfCancellationRequested();
            var change = _staged.Changes[index];
            var line = journal.Done(index);
            if (line is null)
            {
                if (journal.Finished) throw new InvalidDataException($"{JournalPath} says the apply finished, but not entry {index} ({change.Path}).");
                line = Apply(journal, index, change, placedWhole);
                journal.Write(new ApplyJournal.Step(index, change.Path, Done: line));
                Checkpoint?.Invoke($"done {index}");
            }
            else if (line.Path != change.Path)
            {
                throw new InvalidDataException($"{JournalPath} is about {line.Path} at entry {index}, not {change.Path}: it belongs to other staged changes.");
            }
            report.Add(line);
            if (line is { Type: FileKind.Directory, Outcome: AppliedOutcome.Added or AppliedOutcome.SideBySide } && line.Why != WentWithDirectory)
                placedWhole.Add(line);
        }
        if (!journal.Finished)
        {
            if (_files.GetKind(StagingCopy) != FileKind.Missing) _files.DeleteTree(StagingCopy);
            FileSteps.RemoveIfEmpty(_files, StagingRoot);
            journal.Write(new ApplyJournal.Step(Finished: true));
        }
        return new StagedApplyReport(_be, _staged.Upper, _live, report);
    }

    private async Task CopyAsync(ApplyJournal journal, CancellationToken ct)
    {
        // A copy an earlier run made but did not finish verifying is the console's own: it goes.
        if (_files.GetKind(StagingCopy) != FileKind.Missing) _files.DeleteTree(StagingCopy);
        _files.CreateDirectory(StagingRoot, FileSteps.Private);
        var copy = new TreeCopy(_staged.Upper, StagingCopy, WithoutOverlayMarks: true);
        await _files.CopyTreeAsync(copy, ct);
        Checkpoint?.Invoke("copied");
        var differences = await _files.VerifyCopyAsync(copy, ct);
        if (differences.Count > 0)
            throw new IOException($"The copy of {_staged.Upper} differs from it ({differences.Count} difference(s), first: {differences[0]}); nothing was applied.");
        journal.Write(new ApplyJournal.Step(Copied: true));
    }

    private AppliedChange Apply(ApplyJournal journal, int index, StagedChange change, List<AppliedChange> placedWhole)
    {
        var entry = new Entry(this, journal, index, change);
        try
        {
            if (Covered(change, placedWhole) is { } covered) return covered;
            if (entry.Resumed() is { } resumed) return resumed;
            if (ParentProblem(change.Path) is { } why) return entry.Line(AppliedOutcome.Refused, entry.Live, why: why);
            return change.Kind switch
            {
                StagedKind.Added => entry.Add(),
                StagedKind.Appended => entry.Append(),
                StagedKind.Changed => entry.Change(),
                _ => entry.Delete(),
            };
        }
        catch (IOException e)
        {
            // A link met on the way (UnsafePathException), a file swapped in, an I/O error: this entry
            // is not applied, the staged tree keeps it, and the rest go on.
            return entry.Line(AppliedOutcome.Refused, entry.Live, why: e.Message);
        }
    }

    /// <summary>An entry of a directory that was put in place whole: it went with it.</summary>
    private static AppliedChange? Covered(StagedChange change, List<AppliedChange> placedWhole)
    {
        foreach (var dir in placedWhole)
        {
            if (change.Path.StartsWith(dir.Path + "/", StringComparison.Ordinal))
                return new AppliedChange(change.Path, change.Kind, change.Type, dir.Outcome, dir.Where + change.Path[dir.Path.Length..], Why: WentWithDirectory);
        }
        return null;
    }

    private const string WentWithDirectory = "with its directory";

    /// <summary>Why the live directories above an entry cannot take it: a link, another kind of file, gone.</summary>
    private string? ParentProblem(string rel)
    {
        var parts = rel.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var path = i == 0 ? _live : Join(_live, string.Join('/', parts[..i]));
            var kind = _files.GetKind(path);
            if (kind == FileKind.Directory) continue;
            return kind switch
            {
                FileKind.Symlink => $"{path} is a symbolic link where a directory is expected",
                FileKind.Missing => $"{path} is gone from the live shared data",
                _ => $"{path} is not a directory",
            };
        }
        return null;
    }

    /// <summary>One change being applied: its paths (live, the staging copy, the base) and its journal lines.</summary>
    private sealed class Entry(StagedApply apply, ApplyJournal journal, int index, StagedChange change)
    {
        private readonly IHostFiles _files = apply._files;

        public string Live { get; } = Join(apply._live, change.Path);
        private string Copy { get; } = Join(apply.StagingCopy, change.Path);
        private string Base { get; } = Join(apply._staged.Base.TrimEnd('/'), change.Path);

        public AppliedChange Line(AppliedOutcome outcome, string where, long bytes = 0, string? why = null) =>
            new(change.Path, change.Kind, change.Type, outcome, where, bytes, why);

        /// <summary>
        /// An entry a killed run began: done already (the copy was renamed away, the deleted entry is
        /// gone, the appended bytes are there) gives the line it meant to write; an append cut off is
        /// finished; anything else was not done and is decided again.
        /// </summary>
        public AppliedChange? Resumed()
        {
            if (journal.Begun(index) is not { Intended: { } intended } begun) return null;
            switch (begun.Action)
            {
                case "replace" when _files.GetKind(Copy) != FileKind.Missing:
                    // Exchanged (the live name holds the copy's inode): settle as a clean run does;
                    // not exchanged, or exchanged back: decided again.
                    return _files.Stat(Live)?.Identity == begun.Identity ? Settle(intended) : null;
                case "place" or "replace" when _files.GetKind(Copy) == FileKind.Missing:
                case "delete" when _files.GetKind(Live) == FileKind.Missing:
                    return intended;
                case "append":
                    return FinishAppend(begun.LiveSize!.Value, intended);
                default:
                    return null;
            }
        }

        public AppliedChange Add()
        {
            var now = _files.Stat(Live);
            if (now is null) return Place(0);
            if (change.Type == FileKind.Directory && now.Kind == FileKind.Directory)
                return Line(AppliedOutcome.AlreadyThere, Live, why: "a directory is there: its entries follow");
            if (Entries.Same(_files, Copy, _files.Stat(Copy)!, Live, now)) return Line(AppliedOutcome.AlreadyThere, Live);
            return Place(1);
        }

        public AppliedChange Append()
        {
            var now = _files.Stat(Live);
            if (now is null) return Place(0, "the live file was gone");
            if (now.Kind != FileKind.File || now.Size < change.BaseSize || !Entries.StartsWith(_files, Live, Base))
                return Place(1, "the live one no longer starts with the base content");
            var tail = Tail();
            var line = Line(AppliedOutcome.Appended, Live, tail.Length);
            Begin("append", intended: line, liveSize: now.Size, length: tail.Length);
            _files.AppendAllBytes(Live, tail);
            apply.Checkpoint?.Invoke($"acted {index}");
            return line;
        }

        public AppliedChange Change()
        {
            var now = _files.Stat(Live);
            if (now is null) return Place(0, "the live one was gone");
            if (Entries.Same(_files, Copy, _files.Stat(Copy)!, Live, now)) return Line(AppliedOutcome.AlreadyThere, Live);
            var was = _files.Stat(Base)!;
            if (change.Type == FileKind.Directory || now.Kind == FileKind.Directory || !Entries.Same(_files, Live, now, Base, was))
                return Place(1);
            var line = Line(AppliedOutcome.Replaced, Live);
            Begin("replace", intended: line, identity: _files.Stat(Copy)!.Identity);
            try
            {
                _files.Exchange(Copy, Live);
            }
            catch (IOException e) when (e.HResult == 22)
            {
                // No RENAME_EXCHANGE here (zfs-fuse): a plain rename over it, with the residual race
                // of ADR 0025 (a change made live since the look above would be replaced).
                _files.Replace(Copy, Live);
                apply.Checkpoint?.Invoke($"acted {index}");
                return line;
            }
            apply.Checkpoint?.Invoke($"acted {index}");
            return Settle(line);
        }

        /// <summary>
        /// After the exchange the old live entry is at the copy's name. When it still was the base's,
        /// the replacement stands (the staging copy with the old one goes at the end; the base keeps
        /// it). When it changed between the look and the exchange, the two are swapped back and the
        /// staged one goes side by side: an exchange never loses either.
        /// </summary>
        private AppliedChange Settle(AppliedChange replaced)
        {
            if (Entries.Same(_files, Copy, _files.Stat(Copy)!, Base, _files.Stat(Base)!)) return replaced;
            _files.Exchange(Copy, Live);
            return Place(1, "the live one changed while it was being replaced");
        }

        public AppliedChange Delete()
        {
            var now = _files.Stat(Live);
            if (now is null) return Line(AppliedOutcome.DeletionDone, Live, why: "already gone live");
            var was = _files.Stat(Base)!;
            if (change.Type == FileKind.Directory)
            {
                if (now.Kind != FileKind.Directory) return Line(AppliedOutcome.DeletionRecorded, Live, why: "another kind of file is there live");
                if (_files.List(Live).Count > 0) return Line(AppliedOutcome.DeletionRecorded, Live, why: "the live directory is not empty");
            }
            else if (!Entries.Same(_files, Live, now, Base, was))
            {
                return Line(AppliedOutcome.DeletionRecorded, Live, why: "changed live since the base");
            }
            var line = Line(AppliedOutcome.DeletionDone, Live);
            Begin("delete", intended: line);
            _files.Delete(Live);
            apply.Checkpoint?.Invoke($"acted {index}");
            return line;
        }

        /// <summary>Renames the staging copy to the first free name from the <paramref name="first"/>th on; never replaces.</summary>
        private AppliedChange Place(int first, string? why = null)
        {
            for (var n = first; ; n++)
            {
                var candidate = SharedCopy.SideBySideName(Live, apply._be, n);
                if (_files.GetKind(candidate) != FileKind.Missing) continue;
                var line = Line(n == 0 ? AppliedOutcome.Added : AppliedOutcome.SideBySide, candidate, why: why);
                Begin("place", intended: line, to: candidate);
                try
                {
                    _files.Rename(Copy, candidate);
                }
                catch (IOException e) when (e.HResult == 17)
                {
                    continue; // taken between the look and the rename: the next name, never theirs
                }
                apply.Checkpoint?.Invoke($"acted {index}");
                return line;
            }
        }

        /// <summary>
        /// After a kill during an append that began at live size <paramref name="liveSize"/>: the
        /// tail there whole is done; a part of it at the very end is completed; otherwise (the file
        /// changed since) the tail is appended again, and the line says it may be there twice.
        /// </summary>
        private AppliedChange FinishAppend(long liveSize, AppliedChange intended)
        {
            var tail = Tail();
            var now = _files.ReadAllBytes(Live);
            var from = (int)Math.Min(liveSize, now.Length);
            var after = now.AsSpan(from);
            if (after.Length >= tail.Length && after[..tail.Length].SequenceEqual(tail)) return intended;
            if (from == liveSize && tail.AsSpan().StartsWith(after))
            {
                _files.AppendAllBytes(Live, tail[after.Length..]);
                return intended;
            }
            _files.AppendAllBytes(Live, tail);
            return intended with { Why = "an earlier run was cut off during this append and the file changed since: the appended part may be there twice" };
        }

        private byte[] Tail() => _files.ReadAllBytes(Copy)[(int)change.BaseSize..];

        private void Begin(string action, AppliedChange intended, string? to = null, long? liveSize = null, long? length = null,
            FileIdentity? identity = null)
        {
            journal.Write(new ApplyJournal.Step(index, change.Path, action, to, liveSize, length, identity, intended));
            apply.Checkpoint?.Invoke($"begun {index}");
        }
    }
}
