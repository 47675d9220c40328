namespace SnapUpgrade.Core.Operations;

/// <summary>Plan steps for files and bind mounts, each with its undo.</summary>
public static class FileSteps
{
    /// <summary>Creates a directory (and parents) unless it exists; the undo removes only what this step made.</summary>
    public static void EnsureDirectory(OperationContext context, Plan plan, string path)
    {
        var made = new List<string>();
        plan.Add($"make directory {path}", ["mkdir", "-p", "-m", "0700", path],
            _ =>
            {
                for (var p = path; p.Length > 1 && context.Files.GetKind(p) == Host.FileKind.Missing; p = Parent(p)) made.Add(p);
                context.Files.CreateDirectory(path);
                return Task.CompletedTask;
            },
            _ =>
            {
                foreach (var p in made) context.Files.Delete(p);
                made.Clear();
                return Task.CompletedTask;
            });
    }

    public static void Bind(OperationContext context, Plan plan, string source, string target, bool readOnly)
    {
        var argv = context.Mounts.DescribeBind(source, target, readOnly);
        plan.Add($"bind {source} at {target} {(readOnly ? "read-only" : "READ-WRITE")}",
            [.. argv.SelectMany((a, i) => i == 0 ? a : ["&&", .. a])],
            ct => context.Mounts.BindAsync(source, target, readOnly, ct),
            ct => context.Mounts.UnmountAsync(target, ct));
    }

    public static void Unbind(OperationContext context, Plan plan, Host.BindMount bind) =>
        plan.Add($"unmount the bind of {bind.Source} at {bind.Target}", context.Mounts.DescribeUnmount(bind.Target),
            ct => context.Mounts.UnmountAsync(bind.Target, ct),
            ct => context.Mounts.BindAsync(bind.Source, bind.Target, bind.ReadOnly, ct));

    public static string Parent(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "/";

    public static bool IsUnder(string path, string root) =>
        path == root || path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);
}
