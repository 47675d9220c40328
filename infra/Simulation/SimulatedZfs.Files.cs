using SnapUpgrade.Core.Host;
using RsyncCommand = SnapUpgrade.Infra.Host.RsyncCommand;

namespace SnapUpgrade.Infra.Simulation;

// IHostFiles: every path goes through ResolveNoFollow (the port never follows a link, see
// IHostFiles), then to the host tree, which throws what .NET's own file APIs throw on Linux.
public sealed partial class SimulatedZfs
{
    public FileKind GetKind(string path) => Read(() => NodeReads.KindOf(_paths.NodeAt(NoFollow(path, lastMayBeLink: true))));

    public FileStatus? Stat(string path) => Read(() =>
    {
        var at = NoFollow(path, lastMayBeLink: true);
        return _paths.NodeAt(at) is { } node ? NodeReads.Stat(node, _paths.DeviceOf(at)) : null;
    });

    public string ReadLink(string path) => Read(() => NodeReads.ReadLink(_paths.NodeAt(NoFollow(path, lastMayBeLink: true)), path));

    public IReadOnlyList<string> List(string directory) =>
        Read(() => NodeReads.List(_paths.NodeAt(NoFollow(directory, lastMayBeLink: false)), directory));

    public void CreateDirectory(string path, UnixFileMode? mode = null) =>
        Mutate(() => _tree.EnsureDirectory(NoFollow(path, lastMayBeLink: false), (int)(mode ?? (UnixFileMode)DirNode.DefaultMode)));

    public void CreateSymlink(string path, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        Mutate(() => _tree.AddNew(NoFollow(path, lastMayBeLink: true), path, meta => new LinkNode(target, meta), LinkNode.LinkMode));
    }

    public byte[] ReadAllBytes(string path) => Read(() => NodeReads.Read(_paths.NodeAt(NoFollow(path, lastMayBeLink: false)), path));

    public void WriteAllBytes(string path, byte[] content) =>
        Mutate(() => _tree.WriteFile(NoFollow(path, lastMayBeLink: false), path, content, append: false));

    public void AppendAllBytes(string path, byte[] content) =>
        Mutate(() => _tree.WriteFile(NoFollow(path, lastMayBeLink: false), path, content, append: true));

    public byte[]? GetXattr(string path, string name) => Read(() =>
    {
        var node = _paths.NodeAt(NoFollow(path, lastMayBeLink: true)) ?? throw new FileNotFoundException($"No such file or directory: {path}", path);
        return node.Meta.Xattrs?.GetValueOrDefault(name)?.ToArray();
    });

    public bool SameContent(string a, string b) => Read(() =>
        _paths.NodeAt(NoFollow(a, lastMayBeLink: false)) is FileNode first
        && _paths.NodeAt(NoFollow(b, lastMayBeLink: false)) is FileNode second
        && first.Content.AsSpan().SequenceEqual(second.Content));

    /// <summary>rename(2) with RENAME_NOREPLACE (see <see cref="TreeWriter.Rename"/> for the order of its checks).</summary>
    public void Rename(string from, string to) =>
        Mutate(() => _tree.Rename(NoFollow(from, lastMayBeLink: true), NoFollow(to, lastMayBeLink: true), from, to));

    public void Replace(string from, string to) =>
        Mutate(() => _tree.Rename(NoFollow(from, lastMayBeLink: true), NoFollow(to, lastMayBeLink: true), from, to, replace: true));

    public void Exchange(string a, string b) =>
        Mutate(() => _tree.Exchange(NoFollow(a, lastMayBeLink: true), NoFollow(b, lastMayBeLink: true), a, b));

    public void Delete(string path) => Mutate(() => _tree.Delete(NoFollow(path, lastMayBeLink: true), path, tree: false));

    /// <summary>
    /// Detaches the subtree in one step: links in it are removed as links, never followed, and a
    /// tree that holds a mount point is refused (busy) before anything goes. A link named as the tree is removed itself.
    /// </summary>
    public void DeleteTree(string path) => Mutate(() => _tree.Delete(NoFollow(path, lastMayBeLink: true), path, tree: true));

    public IReadOnlyList<string> DescribeCopy(TreeCopy copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        return RsyncCommand.Copy(copy.Source, copy.Target, copy.CompareWith, acls: false, xattrs: false, copy.WithoutOverlayMarks);
    }

    /// <summary>As rsync -aHSx --numeric-ids makes it, built whole and attached in one step (see <see cref="TreeCopier"/>).</summary>
    public Task CopyTreeAsync(TreeCopy copy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(copy);
        ct.ThrowIfCancellationRequested();
        Mutate(() => _copier.Copy(copy));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> VerifyCopyAsync(TreeCopy copy, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(copy);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read(() => _copier.Verify(copy)));
    }

    private string[] NoFollow(string path, bool lastMayBeLink) => _paths.ResolveNoFollow(path, lastMayBeLink);
}
