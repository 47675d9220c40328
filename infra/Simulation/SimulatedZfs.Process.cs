using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

// The process view (SimulatedProcess): the kernel's link-following resolution, for tests and the demo.
public sealed partial class SimulatedZfs
{
    /// <summary>
    /// The host as a process on it sees it, links followed. For tests and the demo only: the
    /// engine uses the no-follow <see cref="IHostFiles"/> port.
    /// </summary>
    public SimulatedProcess AsProcess() => new(this);

    internal FileKind ProcessGetKind(string path) => Read(() => KindOf(NodeAt(Resolve(path, followLast: false))));

    internal string ProcessReadLink(string path) => Read(() => NodeAt(Resolve(path, followLast: false)) switch
    {
        LinkNode link => link.Target,
        null => throw new FileNotFoundException($"No such file or directory: {path}", path),
        _ => throw new IOException($"Invalid argument: {path} is not a symbolic link", 22),
    });

    internal IReadOnlyList<string> ProcessList(string directory) =>
        Read(() => ListNode(NodeAt(Resolve(directory, followLast: true)), directory));

    internal byte[] ProcessReadAllBytes(string path) => Read(() => ReadNode(NodeAt(Resolve(path, followLast: true)), path));

    internal void ProcessWrite(string path, byte[] content, bool append) =>
        Mutate(() => WriteNode(Resolve(path, followLast: true), path, content, append));

    internal void ProcessCreateDirectory(string path) => Mutate(() => EnsureDirectory(Resolve(path, followLast: true)));

    internal void ProcessSetOwner(string path, int uid, int gid) => Mutate(() =>
    {
        var at = Resolve(path, followLast: false);
        var node = NodeAt(at) ?? throw new FileNotFoundException($"No such file or directory: {path}", path);
        ChangeMeta(at, node.WithMeta(node.Meta with { Uid = uid, Gid = gid }));
    });

    internal void ProcessSetMode(string path, UnixFileMode mode) => Mutate(() =>
    {
        var at = Resolve(path, followLast: true);
        var node = NodeAt(at) ?? throw new FileNotFoundException($"No such file or directory: {path}", path);
        ChangeMeta(at, node.WithMeta(node.Meta with { Mode = (int)mode & 0xFFF }));
    });

    internal void ProcessCreateFifo(string path) => Mutate(() =>
    {
        var at = Resolve(path, followLast: false);
        if (NodeAt(at) is not null) throw new IOException($"File exists: {path}", 17);
        RequireParentDirectory(at, path);
        Modify(at, new FifoNode(NewMeta(FileNode.DefaultMode)));
    });

    /// <summary>Replaces a node by itself with other metadata; at a mount point, the mounted volume's root.</summary>
    private void ChangeMeta(string[] path, Node changed)
    {
        var at = Locate(path);
        if (at.Inner.Length > 0)
        {
            Modify(path, changed);
            return;
        }
        if (at.ReadOnly) throw new ReadOnlyFileSystemException(HostPath.Join(path));
        if (at.Dataset is null) _baseRoot = (DirNode)changed;
        else _datasets[at.Dataset].Root = (DirNode)changed;
    }
}
