using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

// Host paths resolved through the mount table: without following any link (the IHostFiles port),
// or through links like the kernel does for a process (IMounts, zfs mountpoints, AsProcess).
public sealed partial class SimulatedZfs
{
    /// <summary>Linux's limit on links followed while resolving one path (ELOOP past it).</summary>
    private const int MaxLinks = 40;

    /// <summary>Where a canonical host path lands: a volume (a dataset, or the base directory) and a path inside it.</summary>
    private readonly record struct Location(string? Dataset, string[] Inner, bool ReadOnly, SimMount? Mount);

    /// <summary>
    /// The port's resolution (openat2 with RESOLVE_NO_SYMLINKS): "." and ".." taken lexically, as
    /// LocalFiles' HostPaths does, and every existing component but the last must be a directory
    /// reached without a link. A link there, or in the last component when
    /// <paramref name="lastMayBeLink"/> is false, throws <see cref="UnsafePathException"/> before
    /// anything changes. Missing components are kept, so callers can create them.
    /// </summary>
    private string[] ResolveNoFollow(string path, bool lastMayBeLink)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new ArgumentException($"Host paths are absolute: '{path}'.", nameof(path));
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
    private string[] Resolve(string path, bool followLast)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw new ArgumentException($"Host paths are absolute: '{path}'.", nameof(path));
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

    /// <summary>The mount that shows <paramref name="path"/> (longest target prefix; the latest wins a tie).</summary>
    private Location Locate(string[] path)
    {
        SimMount? best = null;
        foreach (var m in _mounts)
            if (HostPath.StartsWith(path, m.TargetSegments) && (best is null || m.TargetSegments.Length >= best.TargetSegments.Length))
                best = m;
        if (best is null) return new Location(null, path, ReadOnly: false, null);
        string[] inner = [.. best.SourcePath, .. path[best.TargetSegments.Length..]];
        var readOnly = best.ReadOnly || (best.Dataset is not null && IsReadOnlyDataset(best.Dataset));
        return new Location(best.Dataset, inner, readOnly, best);
    }

    private DirNode VolumeRoot(string? dataset) => dataset is null ? _baseRoot : _datasets[dataset].Root;

    private Node? NodeAt(string[] path)
    {
        var at = Locate(path);
        return FileTree.Get(VolumeRoot(at.Dataset), at.Inner);
    }

    /// <summary>Puts (or with null removes) a node at a canonical path; refuses on a read-only mount.</summary>
    private void Modify(string[] path, Node? node)
    {
        var at = Locate(path);
        if (at.ReadOnly) throw new ReadOnlyFileSystemException(HostPath.Join(path));
        if (at.Inner.Length == 0) throw new IOException($"Device or resource busy: {HostPath.Join(path)} is a mount point", 16);
        var root = FileTree.Set(VolumeRoot(at.Dataset), at.Inner, node);
        if (at.Dataset is null) _baseRoot = root;
        else _datasets[at.Dataset].Root = root;
    }

    /// <summary>mkdir -p on a canonical path; what it makes gets <paramref name="mode"/> (no umask) and root's owner.</summary>
    private void EnsureDirectory(string[] path, int mode = DirNode.DefaultMode)
    {
        for (var i = 1; i <= path.Length; i++)
        {
            var prefix = path[..i];
            switch (NodeAt(prefix))
            {
                case DirNode: continue;
                case null: Modify(prefix, DirNode.New(NewMeta(mode))); break;
                case LinkNode: throw new UnsafePathException(HostPath.Join(path), $"{HostPath.Join(prefix)} is a symbolic link");
                default: throw new IOException($"Not a directory: {HostPath.Join(prefix)}", 20);
            }
        }
    }

    /// <summary>
    /// The device number lstat shows for a path: one per volume (a dataset's creation txg, which
    /// a rename keeps; 0 for the base directory), the same through every bind of it.
    /// </summary>
    private long DeviceOf(string[] path) => Locate(path).Dataset is { } dataset ? _datasets[dataset].Txg : 0;

    private bool IsMountTargetAtOrBelow(string[] path) =>
        _mounts.Any(m => HostPath.StartsWith(m.TargetSegments, path));
}
