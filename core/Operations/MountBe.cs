using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// beadm mount: the BE at an alternate root (default a fresh private directory), its children below it
/// (parents first), its zone BEs inside
/// it, and every mounted shared dataset bind-mounted at the same place inside the alternate root,
/// read-only unless an admin asks otherwise: updating another BE can never touch live shared data.
/// </summary>
public sealed record MountBe(string Name, string? Path = null, bool SharedReadWrite = false) : IOperation
{
    public string Action => SharedReadWrite ? "mount-rw" : "mount";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout), Scopes.BeFileSystems(latest, layout, Name));

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ?? Checks.FirstOf(
        () => Checks.NotBooted(be, "mount"),
        () => be.IsMounted ? new(ErrorCode.BeIsMounted, $"'{Name}' is already mounted at {be.MountedAt}.") : null,
        () => Checks.NoChildMounted(be, "mount"),
        () => Path is null ? null : CheckPath(Path));

    /// <summary>Linux's PATH_MAX and NAME_MAX: longer paths are refused here, not by the kernel half-way.</summary>
    public const int MaxPath = 4095, MaxName = 255;

    private static OperationError? CheckPath(string path)
    {
        if (path.Length > MaxPath || path.Split('/').Any(p => System.Text.Encoding.UTF8.GetByteCount(p) > MaxName))
            return new(ErrorCode.InvalidPath, $"The mount point is too long: at most {MaxPath} characters, {MaxName} bytes per name.");
        if (!path.StartsWith('/') || path == "/" || path.Contains("//") || path.EndsWith('/') ||
            path.Split('/').Any(p => p is "." or "..") || path.Any(char.IsControl))
            return new(ErrorCode.InvalidPath, $"'{path}' is not a usable mount point: give an absolute path such as /mnt/be, not / and without . or .. parts.");
        return path == Layout.SharedMountPoint || path.StartsWith(Layout.SharedMountPoint + "/", StringComparison.Ordinal) ||
               path.StartsWith("/zones/", StringComparison.Ordinal)
            ? new(ErrorCode.InvalidPath, $"'{path}' lies inside shared or zone data; mount boot environments elsewhere.")
            : null;
    }

    /// <summary>The BE's own mounts: no setuid binary or device node of an old BE works through them.</summary>
    public const string Options = "nosuid,nodev";

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        if (Path is null) context.CheckPrivateRoot();
        else CheckPlace(context, Path);
        var root = Path ?? context.PrivateDirectory(Name);

        var plan = new Plan();
        FileSteps.EnsureDirectory(context, plan, root);
        context.AddZfs(plan, $"mount point of {be.Dataset}: {root}", new ZfsSet(be.Dataset, "mountpoint", root),
            new ZfsSet(be.Dataset, "mountpoint", be.MountPoint ?? "/"));
        context.AddZfs(plan, $"mount {be.Dataset} at {root} ({Options})", new ZfsMount(be.Dataset, Options), new ZfsUnmount(be.Dataset));
        BeTree.PlanMounts(context, plan, be, root, Options);
        foreach (var zoneBe in be.ZoneBes)
        {
            var at = Layout.Under(root, Layout.ZoneRoot(zoneBe.Zone));
            FileSteps.EnsureDirectory(context, plan, at); // inside the BE's files: no link may carry the mount out
            context.AddZfs(plan, $"mount point of zone BE {zoneBe.Dataset}: {at}", new ZfsSet(zoneBe.Dataset, "mountpoint", at),
                new ZfsSet(zoneBe.Dataset, "mountpoint", zoneBe.MountPoint ?? Layout.ZoneRoot(zoneBe.Zone)));
            context.AddZfs(plan, $"mount zone BE {zoneBe.Dataset} at {at} ({Options})", new ZfsMount(zoneBe.Dataset, Options), new ZfsUnmount(zoneBe.Dataset));
        }
        var zonesWithBe = be.ZoneBes.Select(z => z.Zone).ToHashSet();
        foreach (var shared in state.SharedDatasets.Where(s => s.MountedAt is not null && (s.Zone is null || zonesWithBe.Contains(s.Zone))))
        {
            var target = Layout.Under(root, shared.MountedAt!);
            FileSteps.EnsureDirectory(context, plan, target);
            FileSteps.Bind(context, plan, shared.MountedAt!, target, readOnly: !SharedReadWrite);
        }
        plan.Report.Add($"{Name} is mounted at {root}; shared data is {(SharedReadWrite ? "READ-WRITE" : "read-only")} there.");
        return Task.FromResult(plan);
    }

    /// <summary>
    /// A mount point the user gives: at or under a configured root (/a, /mnt, the console's own
    /// directory), every existing component a real directory (no link is followed: /var/log is a
    /// link into the shared data), and absent or an empty directory.
    /// </summary>
    private static void CheckPlace(OperationContext context, string path)
    {
        var roots = context.Options.MountRoots.Append(context.Options.TempRoot).ToList();
        if (!roots.Any(r => FileSteps.IsUnder(path, r)))
            throw new OperationRefusedException(new(ErrorCode.InvalidPath,
                $"A boot environment may be mounted only at or under {string.Join(", ", roots)}; '{path}' is not. Leave the path empty for a private directory."));
        var status = context.Files.Stat(path); // throws UnsafePathException for a link anywhere on the way
        if (status is null) return;
        if (status.Kind != Host.FileKind.Directory || context.Files.List(path).Count > 0)
            throw new OperationRefusedException(new(ErrorCode.InvalidPath, $"{path} exists and is not an empty directory."));
    }
}
