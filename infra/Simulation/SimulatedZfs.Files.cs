using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

// IHostFiles over the per-dataset trees, with the exceptions .NET's own file APIs throw on Linux.
public sealed partial class SimulatedZfs
{
    public FileKind GetKind(string path) => Read(() => NodeAt(Resolve(path, followLast: false)) switch
    {
        DirNode => FileKind.Directory,
        FileNode => FileKind.File,
        LinkNode => FileKind.Symlink,
        _ => FileKind.Missing,
    });

    public string ReadLink(string path) => Read(() => NodeAt(Resolve(path, followLast: false)) switch
    {
        LinkNode link => link.Target,
        null => throw new FileNotFoundException($"No such file or directory: {path}", path),
        _ => throw new IOException($"Invalid argument: {path} is not a symbolic link", 22),
    });

    public IReadOnlyList<string> List(string directory) => Read<IReadOnlyList<string>>(() =>
        NodeAt(Resolve(directory, followLast: true)) switch
        {
            DirNode dir => [.. dir.Entries.Keys],
            null => throw new DirectoryNotFoundException($"No such directory: {directory}"),
            _ => throw new IOException($"Not a directory: {directory}", 20),
        });

    public void CreateDirectory(string path, UnixFileMode? mode = null) => Mutate(() => EnsureDirectory(Resolve(path, followLast: true)));

    // Issue 8 in progress: the new members of IHostFiles.
    public FileStatus? Stat(string path) => throw new NotImplementedException();
    public bool SameContent(string a, string b) => throw new NotImplementedException();
    public void Rename(string from, string to) => throw new NotImplementedException();
    public void DeleteTree(string path) => throw new NotImplementedException();
    public Task CopyTreeAsync(TreeCopy copy, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<IReadOnlyList<string>> VerifyCopyAsync(TreeCopy copy, CancellationToken ct = default) => throw new NotImplementedException();
    public IReadOnlyList<string> DescribeCopy(TreeCopy copy) => throw new NotImplementedException();

    public void CreateSymlink(string path, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        Mutate(() =>
        {
            var at = Resolve(path, followLast: false);
            if (NodeAt(at) is not null) throw new IOException($"File exists: {path}", 17);
            RequireParentDirectory(at, path);
            Modify(at, new LinkNode(target));
        });
    }

    public byte[] ReadAllBytes(string path) => Read(() => NodeAt(Resolve(path, followLast: true)) switch
    {
        // A copy: the stored array is shared by every snapshot that holds the file.
        FileNode file => file.Content.ToArray(),
        DirNode => throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory."),
        _ => throw new FileNotFoundException($"Could not find file '{path}'.", path),
    });

    public void WriteAllBytes(string path, byte[] content) => Write(path, content, append: false);

    public void AppendAllBytes(string path, byte[] content) => Write(path, content, append: true);

    private void Write(string path, byte[] content, bool append)
    {
        ArgumentNullException.ThrowIfNull(content);
        Mutate(() =>
        {
            var at = Resolve(path, followLast: true);
            var existing = NodeAt(at);
            if (existing is DirNode) throw new UnauthorizedAccessException($"Access to the path '{path}' is denied: it is a directory.");
            RequireParentDirectory(at, path);
            var old = existing as FileNode;
            byte[] bytes = append && old is not null ? [.. old.Content, .. content] : [.. content];
            Modify(at, new FileNode(bytes, old?.Mode ?? FileNode.DefaultMode));
        });
    }

    /// <summary>Detaches the node and attaches it elsewhere: bytes, links and modes travel unchanged, across datasets too.</summary>
    public void Move(string from, string to) => Mutate(() =>
    {
        var source = Resolve(from, followLast: false);
        var node = NodeAt(source) ?? throw new FileNotFoundException($"Could not find '{from}'.", from);
        var target = Resolve(to, followLast: false);
        if (NodeAt(target) is not null) throw new IOException($"Cannot move '{from}' to '{to}': the destination exists.", 17);
        RequireParentDirectory(target, to);
        if (HostPath.StartsWith(target, source)) throw new IOException($"Cannot move '{from}' into itself ('{to}').", 22);
        if (IsMountTargetAtOrBelow(source)) throw new IOException($"Device or resource busy: '{from}' is or holds a mount point.", 16);
        if (Locate(target).ReadOnly) throw new ReadOnlyFileSystemException(to);
        Modify(source, null);
        Modify(target, node);
    });

    public void Delete(string path) => Mutate(() =>
    {
        var at = Resolve(path, followLast: false);
        switch (NodeAt(at))
        {
            case null: throw new FileNotFoundException($"Could not find '{path}'.", path);
            case DirNode { Entries.Count: > 0 }: throw new IOException($"Directory not empty: {path}", 39);
        }
        if (IsMountTargetAtOrBelow(at)) throw new IOException($"Device or resource busy: {path}", 16);
        Modify(at, null);
    });

    private void RequireParentDirectory(string[] path, string original)
    {
        if (path.Length == 0 || NodeAt(path[..^1]) is not DirNode)
            throw new DirectoryNotFoundException($"Could not find a part of the path '{original}'.");
    }
}
