namespace SnapUpgrade.Infra.Host;

/// <summary>
/// Resolves host paths to directory fds from the host root without following any link: openat2 with
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS relative to the root, or, where the kernel lacks
/// openat2 (ENOSYS, before 5.6), a walk that opens one component at a time with O_NOFOLLOW. Mount
/// points are crossed (no RESOLVE_NO_XDEV). The host root itself is the admin's configuration and
/// is opened as given.
/// </summary>
internal sealed class HostTree(HostPaths paths, bool useOpenat2 = true)
{
    private static volatile bool s_openat2Missing;

    public HostPaths Paths { get; } = paths;

    /// <summary>The host path with "." and ".." resolved lexically (never above "/"), no trailing slash.</summary>
    public static string Normalize(string hostPath)
    {
        if (!hostPath.StartsWith('/')) throw new ArgumentException($"not an absolute host path: {hostPath}", nameof(hostPath));
        var normal = Path.GetFullPath(hostPath);
        return normal.Length > 1 ? normal.TrimEnd('/') : normal;
    }

    public Fd OpenRoot()
    {
        var fd = Native.Openat(Native.AtFdCwd, Paths.Root, Native.OPath | Native.ODirectory | Native.OCloExec, 0);
        return fd >= 0 ? new Fd(fd) : throw Errno.ToException(Native.LastErrno, "/", $"open the host root {Paths.Root}:");
    }

    /// <summary>The directory at <paramref name="hostPath"/> as an O_PATH fd.</summary>
    public Fd OpenDirectory(Fd root, string hostPath) => Resolve(root, Normalize(hostPath), hostPath);

    /// <summary>The parent directory of <paramref name="hostPath"/> and its last name ("." for "/" itself).</summary>
    public (Fd Parent, string Name) OpenParent(Fd root, string hostPath)
    {
        var normal = Normalize(hostPath);
        if (normal == "/") return (Resolve(root, "/", hostPath), ".");
        var cut = normal.LastIndexOf('/');
        return (Resolve(root, cut == 0 ? "/" : normal[..cut], hostPath), normal[(cut + 1)..]);
    }

    /// <summary>
    /// mkdir -p: the directories it makes get exactly <paramref name="mode"/> (mkdirat, then fchmod
    /// on the new directory itself, so no umask and no window with a wider mode). Walks component by
    /// component: an existing link anywhere is an <see cref="Core.Host.UnsafePathException"/> before
    /// anything is made.
    /// </summary>
    public static void CreateDirectories(Fd root, string hostPath, uint mode)
    {
        var current = root.OpenAt(".", Native.OPath | Native.ODirectory, hostPath);
        try
        {
            foreach (var name in Components(Normalize(hostPath)))
            {
                Fd next;
                if (Native.Mkdirat(current.Value, name, Native.Mode0700) == 0)
                {
                    next = current.OpenAt(name, Native.ORdOnly | Native.ODirectory, hostPath);
                    Errno.Check(Native.Fchmod(next.Value, mode), hostPath, "chmod");
                }
                else
                {
                    var errno = Native.LastErrno;
                    // EEXIST: there already; anything else (EROFS, EACCES) matters only if it is missing.
                    if (errno != Errno.EExist && !Exists(current, name)) throw Errno.ToException(errno, hostPath, "mkdir");
                    next = current.OpenAt(name, Native.OPath | Native.ODirectory, hostPath);
                }
                current.Dispose();
                current = next;
            }
        }
        finally
        {
            current.Dispose();
        }
    }

    private Fd Resolve(Fd root, string normal, string hostPath)
    {
        var relative = normal == "/" ? "." : normal[1..];
        const int flags = Native.OPath | Native.OCloExec;
        if (useOpenat2 && !s_openat2Missing)
        {
            var how = new Native.OpenHow
            {
                Flags = (ulong)(flags | Native.ODirectory),
                Resolve = Native.ResolveNoSymlinks | Native.ResolveNoMagicLinks,
            };
            var fd = Native.Openat2(root.Value, relative, ref how);
            if (fd >= 0) return new Fd(fd);
            var errno = Native.LastErrno;
            if (errno != Errno.ENoSys) throw Errno.ToException(errno, hostPath, "open");
            s_openat2Missing = true;
        }
        var current = root.OpenAt(".", Native.OPath | Native.ODirectory, hostPath);
        foreach (var name in Components(normal))
        {
            using var parent = current;
            current = parent.OpenAt(name, Native.OPath | Native.ODirectory, hostPath);
        }
        return current;
    }

    private static bool Exists(Fd directory, string name) =>
        Native.StatxAt(directory.Value, name, Native.AtSymlinkNoFollow, 0x7ff, out _) == 0;

    private static string[] Components(string normal) => normal.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
