using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// The children of deep BEs (bectl's, zsys'): cloned, mounted and unmounted with their root, each
/// step with its undo. As libbe does: a clone's canmount=off stays off (a container such as zsys'
/// <c>var</c>), any other becomes noauto like the root's (one with canmount=on would be mounted over
/// the booted BE's own at the next boot); an inherited mountpoint stays inherited, and one of its own
/// is kept relative to the BE's root.
/// </summary>
public static class BeTree
{
    /// <summary>
    /// Clones each child of <paramref name="source"/> at <paramref name="snapshot"/> under <paramref name="target"/>,
    /// parents first, with the same relative name and the console's mark. Planned before the root gets its
    /// mountpoint: a clone that inherits a path is mounted at once on zfs-fuse, over the booted BE's own.
    /// </summary>
    public static void PlanClones(OperationContext context, Plan plan, BootEnvironment source, string snapshot, string target)
    {
        foreach (var child in source.Children)
        {
            var clone = $"{target}/{child.RelativeName}";
            context.AddZfs(plan, $"clone {child.Dataset}@{snapshot} as {clone}",
                new ZfsClone($"{child.Dataset}@{snapshot}", clone, new Dictionary<string, string>
                {
                    ["canmount"] = child.CanMount == "off" ? "off" : "noauto", [UserProperties.ConsoleMade] = "on",
                }),
                new ZfsDestroy(clone));
        }
    }

    /// <summary>Gives the clones of children with a mountpoint of their own that mountpoint, relative to the new root (/).</summary>
    public static void PlanOwnMountPoints(OperationContext context, Plan plan, BootEnvironment source, string target)
    {
        foreach (var child in source.Children.Where(c => !c.InheritsMountPoint && c.MountPoint is not null))
        {
            var clone = $"{target}/{child.RelativeName}";
            var mountPoint = Relocate(child.MountPoint!, source.MountPoint, "/");
            context.AddZfs(plan, $"set the mountpoint of {clone} to {mountPoint}", new ZfsSet(clone, "mountpoint", mountPoint));
        }
    }

    /// <summary>
    /// Mounts the children at their places below the root (mounted at <paramref name="root"/> before),
    /// in the order of those places, so a mount never hides another (parents first; a child with a
    /// mountpoint of its own, first given one below the root, where it falls). canmount=off ones are
    /// containers and stay unmounted.
    /// </summary>
    public static void PlanMounts(OperationContext context, Plan plan, BootEnvironment be, string root, string options)
    {
        var places = be.Children.Where(c => c.CanMount != "off" && c.MountPoint?.StartsWith('/') == true)
            .Select(c => (Child: c, At: Layout.Under(root, Relocate(c.MountPoint!, ParentPlace(be), "/"))))
            .OrderBy(p => p.At, StringComparer.Ordinal);
        foreach (var (child, at) in places)
        {
            // The place is inside the BE's own files, mounted a step ago: a link there (usr -> /etc)
            // would carry the mount onto the host. Checked at run time without following links.
            FileSteps.EnsureDirectory(context, plan, at);
            if (!child.InheritsMountPoint)
                context.AddZfs(plan, $"mount point of {child.Dataset}: {at}", new ZfsSet(child.Dataset, "mountpoint", at),
                    new ZfsSet(child.Dataset, "mountpoint", child.MountPoint!));
            context.AddZfs(plan, $"mount {child.Dataset} at {at} ({options})", new ZfsMount(child.Dataset, options), new ZfsUnmount(child.Dataset));
        }
    }

    /// <summary>Unmounts the mounted children, deepest place first, and gives those with a mountpoint of their own it back below /.</summary>
    public static void PlanUnmounts(OperationContext context, Plan plan, BootEnvironment be, string options)
    {
        foreach (var child in be.Children.Where(c => c.IsMounted).OrderByDescending(c => c.MountedAt, StringComparer.Ordinal))
        {
            context.AddZfs(plan, $"unmount {child.Dataset}", new ZfsUnmount(child.Dataset), new ZfsMount(child.Dataset, options));
            if (child.InheritsMountPoint || child.MountPoint is null) continue;
            var back = Relocate(child.MountPoint, be.MountedAt, "/");
            if (back != child.MountPoint)
                context.AddZfs(plan, $"mount point of {child.Dataset} back to {back}", new ZfsSet(child.Dataset, "mountpoint", back),
                    new ZfsSet(child.Dataset, "mountpoint", child.MountPoint));
        }
    }

    /// <summary>Where the BE's root sits when its children's mountpoints are read: "/" unless it is mounted elsewhere.</summary>
    private static string ParentPlace(BootEnvironment be) => be.MountedAt ?? be.MountPoint ?? "/";

    /// <summary>A path below the root at <paramref name="from"/> as the same path below <paramref name="to"/>; other paths as they are.</summary>
    public static string Relocate(string path, string? from, string to)
    {
        if (from is null || !from.StartsWith('/') || !FileSteps.IsUnder(path, from)) return path;
        var rest = from == "/" ? path : path[from.TrimEnd('/').Length..];
        return Layout.Under(to, rest.Length == 0 ? "/" : rest);
    }
}
