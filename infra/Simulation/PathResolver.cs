using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>Where a canonical host path lands: a volume (a dataset, or null for the base directory) and a path inside it.</summary>
/// <param name="Mount">The mount that shows the path; null for the base directory.</param>
internal readonly record struct Location(string? Dataset, string[] Inner, bool ReadOnly, SimMount? Mount);

/// <summary>
/// Host paths to volumes, through the mount table: without following any link (the rule of the
/// <see cref="IHostFiles"/> port), or through links as the kernel does for a process (binds, zfs
/// mountpoints, <see cref="SimulatedProcess"/>). Then a canonical path to the volume and path inside
/// it that hold it. Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class PathResolver(MountTable mounts, VolumeTrees trees, DatasetTable datasets)
{
    /// <summary>Linux's limit on links followed while resolving one path (ELOOP past it).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The port's resolution (openat2 with RESOLVE_NO_SYMLINKS): "." and ".." taken lexically, as
    /// LocalFiles' HostPaths does, and every existing component but the last must be a directory
    /// reached without a link. A link there, or in the last component when
    /// <paramref name="lastMayBeLink"/> is false, throws <see cref="UnsafePathException"/> before
    /// anything changes. Missing components are kept, so callers can create them.
    /// </summary>
    public string[] ResolveNoFollow(string path, bool lastMayBeLink)
    {
        RequireAbsolute(path);
        var current = new List<string>();
        foreach (var name in HostPath.Split(path))
        {
            if (name == ".") continue;
            if (name == "..")
            {
                if (current.Count > 0) current.RemoveAt(current.Count - 1);
                continue;
            }
            current.Add(name);
        }
        string[] canonical = [.. current];
        for (var i = 1; i <= canonical.Length; i++)
        {
            var node = NodeAt(canonical[..i]);
            var last = i == canonical.Length;
            if (node is LinkNode && !(last && lastMayBeLink))
                throw new UnsafePathException(path, last
                    ? $"{HostPath.Join(canonical.AsSpan(0, i))} is a symbolic link"
                    : $"{HostPath.Join(canonical.AsSpan(0, i))} in the middle of the path is a symbolic link");
            // Past a missing component or a file nothing can be a link: the rest is missing.
            if (node is not DirNode) break;
        }
        return canonical;
    }

    /// <summary>
    /// The canonical host path (no ".", "..", or links) of <paramref name="path"/>. Links in
    /// intermediate components are followed: relative ones from the link's directory in host-path
    /// space, absolute ones from the host root. Missing components are kept as they are, so callers
    /// can create them.
    /// </summary>
    public string[] Resolve(string path, bool followLast)
    {
        RequireAbsolute(path);
        var pending = new Stack<string>(HostPath.Split(path).Where(s => s != ".").Reverse());
        var current = new List<string>();
        var links = 0;
        while (pending.TryPop(out var name))
        {
            if (name == "..")
            {
                if (current.Count > 0) current.RemoveAt(current.Count - 1);
                continue;
            }
            current.Add(name);
            if (pending.Count == 0 && !followLast) break;
            if (NodeAt(current.ToArray()) is not LinkNode link) continue;
            if (++links > MaxLinks) throw new IOException($"Too many levels of symbolic links: {path}", 40);
            current.RemoveAt(current.Count - 1);
            if (link.Target.StartsWith('/')) current.Clear();
            foreach (var part in HostPath.Split(link.Target).Where(s => s != ".").Reverse()) pending.Push(part);
        }
        return [.. current];
    }

    /// <summary>The volume and inner path that hold a canonical path; read-only when the mount is, or the dataset has readonly=on.</summary>
    public Location Locate(string[] path)
    {
        if (mounts.Showing(path) is not { } mount) return new Location(null, path, ReadOnly: false, null);
        string[] inner = [.. mount.SourcePath, .. path[mount.TargetSegments.Length..]];
        var readOnly = mount.ReadOnly || (mount.Dataset is not null && datasets.IsReadOnly(mount.Dataset));
        return new Location(mount.Dataset, inner, readOnly, mount);
    }

    /// <summary>The node at a canonical path, not following a link in the last component; null when missing.</summary>
    public Node? NodeAt(string[] path)
    {
        var at = Locate(path);
        if (at.Mount is { Lower: not null } overlay) return OverlayView.Merged(trees, overlay, path.AsSpan(overlay.TargetSegments.Length));
        return trees.Get(at.Dataset, at.Inner);
    }

    /// <summary>
    /// The device number lstat shows for a path: one per volume (a dataset's creation txg, which
    /// a rename keeps; 0 for the base directory), the same through every bind of it.
    /// </summary>
    public long DeviceOf(string[] path) => Locate(path).Dataset is { } volume
        ? datasets.Find(volume)?.Txg ?? (uint)StringComparer.Ordinal.GetHashCode(volume)
        : 0;

    private static void RequireAbsolute(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new ArgumentException($"Host paths are absolute: '{path}'.", nameof(path));
    }
}
