using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Steps;

/// <summary>Plan steps for files and bind mounts, each with its undo.</summary>
public static class FileSteps
{
    /// <summary>The mode of every directory the console makes for its mounts: its own, no one else's.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates a directory (and parents, 0700) unless it exists; the undo removes only what this step made.</summary>
    public static void EnsureDirectory(OperationContext context, Plan plan, string path) =>
        plan.Add($"make directory {path}", ["mkdir", "-p", "-m", "0700", path],
            run => CreateDirectoriesAsync(context.Files, run, path, Private), new UndoNothing());

    /// <summary>
    /// mkdir -p inside a running step: each directory it will make is recorded (outermost first, so
    /// the undo, run in reverse, removes the innermost first) before it is made with <paramref name="mode"/>.
    /// Called also when nothing is missing: the port then refuses a link where a directory should be.
    /// </summary>
    public static async Task CreateDirectoriesAsync(IHostFiles files, StepRun run, string path, UnixFileMode mode)
    {
        var missing = new List<string>();
        for (var p = path; p.Length > 1 && files.GetKind(p) == FileKind.Missing; p = Parent(p)) missing.Add(p);
        for (var i = missing.Count - 1; i >= 0; i--) await run.WillAsync(new UndoRemoveDirectory(missing[i]));
        files.CreateDirectory(path, mode);
    }

    /// <summary>Removes a directory when it is there and empty; true when it did.</summary>
    public static bool RemoveIfEmpty(IHostFiles files, string path)
    {
        if (files.GetKind(path) != FileKind.Directory || files.List(path).Count > 0) return false;
        files.Delete(path);
        return true;
    }

    /// <summary>
    /// Writes a file the console owns whole or not at all: into a fresh temporary name beside it
    /// (<see cref="TempName"/>; appended, so fsynced by the port), then renamed over
    /// <paramref name="path"/> in one rename(2). No link is followed; a directory at the name is refused.
    /// </summary>
    public static void WriteWhole(IHostFiles files, string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(files);
        var temp = TempName(path);
        if (files.GetKind(temp) != FileKind.Missing) files.Delete(temp);
        files.AppendAllBytes(temp, content);
        files.Replace(temp, path);
    }

    /// <summary>Where <see cref="WriteWhole"/> writes before its rename.</summary>
    public static string TempName(string path) => path + ".tmp";

    public static void Bind(OperationContext context, Plan plan, string source, string target, bool readOnly)
    {
        var argv = context.Mounts.DescribeBind(source, target, readOnly);
        plan.Add($"bind {source} at {target} {(readOnly ? "read-only" : "READ-WRITE")}, nosuid, nodev",
            PlannedStep.Chain(argv),
            run => context.Mounts.BindAsync(source, target, readOnly, run.Ct),
            new UndoUnbind(target));
    }

    public static void Unbind(OperationContext context, Plan plan, BindMount bind) =>
        plan.Add($"unmount the bind of {bind.Source} at {bind.Target}", context.Mounts.DescribeUnmount(bind.Target),
            run => context.Mounts.UnmountAsync(bind.Target, run.Ct),
            new UndoBind(bind.Source, bind.Target, bind.ReadOnly));

    /// <summary>Removes a directory the plan made earlier (empty by then); the undo makes it again.</summary>
    public static void RemoveDirectory(OperationContext context, Plan plan, string path) =>
        plan.Add($"remove directory {path}", ["rmdir", path], run =>
        {
            context.Files.Delete(path);
            return Task.CompletedTask;
        }, new UndoCreateDirectory(path, (int)Private));

    public static string Parent(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    public static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);
}
