namespace SnapUpgrade.Core.Host;

/// <summary>
/// Files as the host sees them, by host path: through every mount, following links in the middle of
/// a path (never the last component unless a method says so). Implementations: <c>LocalFiles</c>
/// (the real file system under HostRoot) and the simulator's per-dataset file trees.
/// A write on a read-only mount throws <see cref="ReadOnlyFileSystemException"/> (EROFS).
/// </summary>
public interface IHostFiles
{
    /// <summary>What is at the path, without following a link in the last component.</summary>
    FileKind GetKind(string path);

    /// <summary>The target of a symbolic link, as written (relative or absolute).</summary>
    string ReadLink(string path);

    /// <summary>Names (not paths) in a directory, sorted ordinally.</summary>
    IReadOnlyList<string> List(string directory);

    /// <summary>Creates the directory and its missing parents.</summary>
    void CreateDirectory(string path);

    void CreateSymlink(string path, string target);

    /// <summary>Follows links.</summary>
    byte[] ReadAllBytes(string path);

    void WriteAllBytes(string path, byte[] content);

    void AppendAllBytes(string path, byte[] content);

    /// <summary>
    /// Moves a file, link or whole directory tree, across datasets when needed (copy, verify, then
    /// delete the source). Fails when <paramref name="to"/> exists: it never overwrites.
    /// </summary>
    void Move(string from, string to);

    /// <summary>Removes a file, a link, or an empty directory.</summary>
    void Delete(string path);
}

public enum FileKind { Missing, File, Directory, Symlink }

/// <summary>A write was refused because the file system is mounted read-only (EROFS, errno 30).</summary>
public sealed class ReadOnlyFileSystemException(string path)
    : IOException($"Read-only file system: {path}", 30)
{
    public string Path { get; } = path;
}
