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

    internal FileKind ProcessGetKind(string path) => Read(() => NodeReads.KindOf(_paths.NodeAt(Follow(path, last: false))));

    internal string ProcessReadLink(string path) => Read(() => NodeReads.ReadLink(_paths.NodeAt(Follow(path, last: false)), path));

    internal IReadOnlyList<string> ProcessList(string directory) =>
        Read(() => NodeReads.List(_paths.NodeAt(Follow(directory, last: true)), directory));

    internal byte[] ProcessReadAllBytes(string path) => Read(() => NodeReads.Read(_paths.NodeAt(Follow(path, last: true)), path));

    internal void ProcessWrite(string path, byte[] content, bool append) =>
        Mutate(() => _tree.WriteFile(Follow(path, last: true), path, content, append));

    internal void ProcessCreateDirectory(string path) => Mutate(() => _tree.EnsureDirectory(Follow(path, last: true)));

    internal void ProcessSetOwner(string path, int uid, int gid) => Mutate(() =>
    {
        var at = Follow(path, last: false);
        var node = _paths.NodeAt(at) ?? throw new FileNotFoundException($"No such file or directory: {path}", path);
        _tree.ChangeMeta(at, node.WithMeta(node.Meta with { Uid = uid, Gid = gid }));
    });

    internal void ProcessSetMode(string path, UnixFileMode mode) => Mutate(() =>
    {
        var at = Follow(path, last: true);
        var node = _paths.NodeAt(at) ?? throw new FileNotFoundException($"No such file or directory: {path}", path);
        _tree.ChangeMeta(at, node.WithMeta(node.Meta with { Mode = (int)mode & 0xFFF }));
    });

    internal void ProcessCreateFifo(string path) =>
        Mutate(() => _tree.AddNew(Follow(path, last: false), path, meta => new SpecialNode(meta), FileNode.DefaultMode));

    internal void ProcessMakeNode(string path, SpecialFile special) =>
        Mutate(() => _tree.AddNew(Follow(path, last: false), path, meta => new SpecialNode(meta, special), FileNode.DefaultMode));

    internal void ProcessSetXattr(string path, string name, byte[] value) =>
        Mutate(() => _tree.SetXattr(Follow(path, last: false), path, name, value));

    private string[] Follow(string path, bool last) => _paths.Resolve(path, followLast: last);
}
