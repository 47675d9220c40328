using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// Puts a directory tree into a shared dataset without ever losing or overwriting a file: the
/// tree is copied (rsync: owners, modes, links, holes, xattrs, ACLs kept; special files recreated)
/// into a private staging directory on the shared dataset, verified by content, then each entry is
/// renamed into place. A name already taken there keeps its file, and the new one goes side by
/// side as <c>name.&lt;suffix&gt;</c>; an identical file is left as it is. Used by migrate and by
/// the first-start carry-over. The source is never changed.
/// </summary>
public sealed class SharedCopy(OperationContext context, Plan plan, string suffix)
{
    /// <summary>Where staging trees live, on each shared dataset: 0700, the console's own.</summary>
    public const string StagingDirectory = ".snapupgrade-staging";

    private readonly List<string> _staged = [];

    /// <summary>
    /// Plans copy, verify and merge of <paramref name="source"/> into <paramref name="destination"/>
    /// (a fixed directory of a mounted shared dataset at <paramref name="sharedRoot"/>). With
    /// <paramref name="compareWith"/>, only files that differ from there are copied (carry-over).
    /// The steps do their work only when <paramref name="wanted"/> says so when they run (what is
    /// in a BE mounted by an earlier step of the plan is known only then).
    /// </summary>
    public void Plan(string label, string source, string sharedRoot, string destination, Func<bool> wanted, string? compareWith = null)
    {
        // The shared dataset is mounted and live: what is there is known now. A link where a fixed
        // directory should be (a zone's root can make one) would carry the merge out of the dataset.
        if (context.Files.GetKind(destination) is not (FileKind.Directory or FileKind.Missing))
            throw new OperationRefusedException(new(ErrorCode.UnsafePath,
                $"{destination} is not a directory (a link or another kind of file): the console will not put data through it. Make it a directory of the shared dataset first."));
        var stagingRoot = $"{sharedRoot}/{StagingDirectory}";
        var staging = $"{stagingRoot}/{label.Replace(' ', '-')}-{Path.GetFileName(destination)}.{context.Generated.NewSuffix()}";
        _staged.Add(staging);
        FileSteps.EnsureDirectory(context, plan, stagingRoot);
        var copy = new TreeCopy(source, staging, compareWith);
        plan.Add($"copy {source} to {staging} (owners, modes, links, holes, xattrs and ACLs kept)", context.Files.DescribeCopy(copy),
            async run =>
            {
                if (!wanted()) return;
                await run.WillAsync(new UndoDeleteTree(staging)); // a copy cut off half-way goes too
                await context.Files.CopyTreeAsync(copy, run.Ct);
            }, new UndoNothing());
        IReadOnlyList<string> argv = context.Files.DescribeCopy(copy);
        plan.Add($"verify the copy of {source} by content", [argv[0], "--checksum", "--dry-run", "--itemize-changes", .. argv.Skip(1)],
            async run =>
            {
                if (!wanted()) return;
                var differences = await context.Files.VerifyCopyAsync(copy, run.Ct);
                if (differences.Count > 0)
                    throw new IOException($"The copy of {source} differs from it ({differences.Count} difference(s), first: {differences[0]}); nothing was moved.");
            }, new UndoNothing());
        plan.Add($"move the copy into {destination}, never overwriting", ["snapupgrade-merge", staging, destination],
            run => wanted() ? MergeAsync(run, label, staging, destination) : Task.CompletedTask, new UndoNothing());
    }

    /// <summary>
    /// The last steps: remove what is left of the staging trees (identical files, emptied
    /// directories: the console's own copies, never host data). Nothing to undo: the undo of an
    /// earlier merge makes the directories it needs again.
    /// </summary>
    public void PlanCleanup()
    {
        foreach (var staging in _staged)
            plan.Add($"remove the staging copy {staging}", ["rm", "-r", "--one-file-system", staging], run =>
            {
                if (context.Files.GetKind(staging) != FileKind.Missing) context.Files.DeleteTree(staging);
                return Task.CompletedTask;
            }, new UndoNothing());
        foreach (var root in _staged.Select(FileSteps.Parent).Distinct())
            plan.Add($"remove {root} when empty", ["rmdir", "--ignore-fail-on-non-empty", root], run =>
            {
                FileSteps.RemoveIfEmpty(context.Files, root);
                return Task.CompletedTask;
            }, new UndoNothing());
    }

    private async Task MergeAsync(StepRun run, string label, string staging, string destination)
    {
        var files = context.Files;
        if (files.GetKind(destination) == FileKind.Missing)
        {
            await MoveAsync(run, staging, destination);
            plan.Report.Add($"{label}: {destination} made from the copy");
            return;
        }
        if (files.GetKind(destination) != FileKind.Directory)
            throw new UnsafePathException(destination, "it is not a directory");
        await MergeDirectoryAsync(run, label, staging, destination);
    }

    private async Task MergeDirectoryAsync(StepRun run, string label, string from, string to)
    {
        var files = context.Files;
        foreach (var name in files.List(from))
        {
            var source = $"{from}/{name}";
            var target = $"{to}/{name}";
            var sourceKind = files.GetKind(source);
            var targetKind = files.GetKind(target);
            if (sourceKind == FileKind.Directory && targetKind == FileKind.Directory)
            {
                await MergeDirectoryAsync(run, label, source, target);
                continue;
            }
            if (sourceKind == FileKind.File && targetKind == FileKind.File && files.SameContent(source, target)) continue;
            var placed = await MoveAsync(run, source, target);
            plan.Report.Add(placed == target
                ? $"{label}: added {target}"
                : $"{label}: {target} exists and was kept; the other copy is {placed}");
        }
    }

    /// <summary>
    /// The <paramref name="n"/>th name tried for <paramref name="target"/>: the name itself, then
    /// <c>name.&lt;suffix&gt;</c>, then <c>name.&lt;suffix&gt;.2</c>, ... (migrate, carry-over and the
    /// staged writes of an upgrade all keep a taken name's file this way).
    /// </summary>
    public static string SideBySideName(string target, string suffix, int n) =>
        n switch { 0 => target, 1 => $"{target}.{suffix}", _ => $"{target}.{suffix}.{n}" };

    /// <summary>Renames into <paramref name="target"/>, or the first free side-by-side name; never replaces.</summary>
    private async Task<string> MoveAsync(StepRun run, string source, string target)
    {
        var files = context.Files;
        var identity = files.Stat(source)!.Identity;
        for (var n = 0; ; n++)
        {
            var candidate = SideBySideName(target, suffix, n);
            if (files.GetKind(candidate) != FileKind.Missing) continue;
            await run.WillAsync(new UndoRename(source, candidate, identity));
            try
            {
                files.Rename(source, candidate);
                return candidate;
            }
            catch (IOException ex) when (ex.HResult == 17)
            {
                // Someone took the name between the look and the rename: the next name, never theirs.
            }
        }
    }
}
