namespace SnapUpgrade.Infra.Host;

/// <summary>
/// Whole-tree work by directory fds: every child is opened with O_NOFOLLOW from its parent's fd,
/// so a directory swapped for a link mid-walk is refused (ELOOP), never followed. None of these
/// crosses into another mount: what is mounted inside a tree is not part of it.
/// </summary>
internal static class FdTree
{
    /// <summary>Removes <paramref name="name"/> in <paramref name="parent"/>: a file or link by unlinkat, a directory with all it holds.</summary>
    public static void Delete(Fd parent, string name, string hostPath)
    {
        if (parent.Stat(name, hostPath).Type == Native.SIfDir)
        {
            using (var directory = parent.OpenAt(name, Native.ORdOnly | Native.ODirectory, hostPath))
            {
                RefuseMount(directory.Stat("", hostPath), hostPath);
                DeleteContent(directory, hostPath);
            }
            Errno.Check(Native.Unlinkat(parent.Value, name, Native.AtRemoveDir), hostPath, "delete");
        }
        else
        {
            Errno.Check(Native.Unlinkat(parent.Value, name, 0), hostPath, "delete");
        }
    }

    /// <summary>
    /// Every entry below <paramref name="top"/> (not <paramref name="top"/> itself), parents before
    /// children, with its relative path, its parent's fd (valid during the call) and its lstat.
    /// Mount points are reported but not entered.
    /// </summary>
    public static void Walk(Fd top, string hostPath, Action<string, Fd, string, Native.Statx> visit) =>
        Walk(top, "", hostPath, visit);

    /// <summary>
    /// Walks <paramref name="target"/> with the same relative paths in <paramref name="source"/>
    /// beside it: the setuid and setgid files a copy made root's that were not root's in the source.
    /// </summary>
    public static List<string> RootSetIdFilesNotRootsInSource(Fd source, Fd target, string hostPath)
    {
        var found = new List<string>();
        Pair(source, target, "", hostPath, found);
        return found;
    }

    private static void Pair(Fd? source, Fd target, string relative, string hostPath, List<string> found)
    {
        foreach (var name in target.Names())
        {
            var path = relative + name;
            var st = target.Stat(name, hostPath + "/" + path);
            var counterpart = source is null ? null : StatOrNull(source, name);
            if (st.Type == Native.SIfReg)
            {
                var rootUid = (st.Mode & Native.SIsUid) != 0 && st.Uid == 0;
                var rootGid = (st.Mode & Native.SIsGid) != 0 && st.Gid == 0;
                if ((rootUid && counterpart?.Uid != 0) || (rootGid && counterpart?.Gid != 0))
                    found.Add($"setuid/setgid file owned by root in the copy, not root's in the source: {path}");
            }
            else if (st.Type == Native.SIfDir && !st.IsMountRoot)
            {
                using var child = target.OpenAt(name, Native.ORdOnly | Native.ODirectory, hostPath + "/" + path);
                using var sourceChild = counterpart?.Type == Native.SIfDir ? TryOpenDirectory(source!, name) : null;
                Pair(sourceChild, child, path + "/", hostPath, found);
            }
        }
    }

    private static void Walk(Fd directory, string relative, string hostPath, Action<string, Fd, string, Native.Statx> visit)
    {
        foreach (var name in directory.Names())
        {
            var path = relative + name;
            var st = directory.Stat(name, hostPath + "/" + path);
            visit(path, directory, name, st);
            if (st.Type != Native.SIfDir || st.IsMountRoot) continue;
            using var child = directory.OpenAt(name, Native.ORdOnly | Native.ODirectory, hostPath + "/" + path);
            Walk(child, path + "/", hostPath, visit);
        }
    }

    private static void DeleteContent(Fd directory, string hostPath)
    {
        foreach (var name in directory.Names())
        {
            var path = hostPath + "/" + name;
            if (directory.Stat(name, path).Type != Native.SIfDir)
            {
                Errno.Check(Native.Unlinkat(directory.Value, name, 0), path, "delete");
                continue;
            }
            using (var child = directory.OpenAt(name, Native.ORdOnly | Native.ODirectory, path))
            {
                RefuseMount(child.Stat("", path), path);
                DeleteContent(child, path);
            }
            Errno.Check(Native.Unlinkat(directory.Value, name, Native.AtRemoveDir), path, "delete");
        }
    }

    private static void RefuseMount(Native.Statx st, string hostPath)
    {
        if (st.IsMountRoot)
            throw new IOException($"delete {hostPath}: a mount point; a tree is deleted only within its own file system", Errno.EBusy);
    }

    private static Native.Statx? StatOrNull(Fd directory, string name) =>
        Native.StatxAt(directory.Value, name, Native.AtSymlinkNoFollow, 0x7ff, out var st) == 0 ? st : null;

    private static Fd? TryOpenDirectory(Fd parent, string name)
    {
        var fd = Native.Openat(parent.Value, name, Native.ORdOnly | Native.ODirectory | Native.ONoFollow | Native.OCloExec, 0);
        return fd >= 0 ? new Fd(fd) : null;
    }
}
