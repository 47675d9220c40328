namespace SnapUpgrade.Core.Host;

/// <summary>
/// The engine's hands on host files, by host path. The console runs as root over other people's
/// files (mailboxes, logs, spool queues, and whatever a zone's root put in its tree), so this port
/// <b>never follows a symbolic link</b>: every component of every path is resolved from the host root
/// without following links (Linux <c>openat2</c> with <c>RESOLVE_NO_SYMLINKS</c>, or a walk with
/// <c>O_NOFOLLOW</c> on each component). A link met in the middle of a path, or in the last
/// component where a method needs a file or directory, throws <see cref="UnsafePathException"/> and
/// changes nothing. The engine never needs to follow one: the only links it expects, the relative
/// <c>shared/&lt;dir&gt;</c> links of a BE, are read with <see cref="ReadLink"/> and checked as text.
/// Mount points are crossed as the kernel does (a dataset or bind mounted on a directory).
/// Implementations: <c>LocalFiles</c> (the real file system under HostRoot) and the simulator.
/// A write on a read-only mount throws <see cref="ReadOnlyFileSystemException"/> (EROFS).
/// </summary>
public interface IHostFiles
{
    /// <summary>What is at the path; a link in the last component is reported as a link (lstat).</summary>
    FileKind GetKind(string path);

    /// <summary>lstat of the path, or null when it is missing.</summary>
    FileStatus? Stat(string path);

    /// <summary>The target of a symbolic link, as written (relative or absolute).</summary>
    string ReadLink(string path);

    /// <summary>Names (not paths) in a directory, sorted ordinally.</summary>
    IReadOnlyList<string> List(string directory);

    /// <summary>
    /// Creates the directory and its missing parents; the ones it creates get <paramref name="mode"/>
    /// (default 0755), exactly (no umask). Existing components must be directories, not links.
    /// </summary>
    void CreateDirectory(string path, UnixFileMode? mode = null);

    /// <summary>Creates a link; fails when anything exists at <paramref name="path"/>.</summary>
    void CreateSymlink(string path, string target);

    /// <summary>A regular file's bytes; a link in the last component is refused, not followed.</summary>
    byte[] ReadAllBytes(string path);

    /// <summary>Creates or replaces a regular file (never through a link).</summary>
    void WriteAllBytes(string path, byte[] content);

    /// <summary>Appends to a regular file (made when missing, never through a link), and fsyncs it before returning.</summary>
    void AppendAllBytes(string path, byte[] content);

    /// <summary>
    /// The value of an extended attribute of the path itself (a link's own, never its target's), or
    /// null when it has none by that name or its file system keeps no xattrs.
    /// </summary>
    byte[]? GetXattr(string path, string name);

    /// <summary>True when both are regular files with the same bytes.</summary>
    bool SameContent(string a, string b);

    /// <summary>
    /// rename(2) of a file, link or directory within one file system that <b>never replaces</b>:
    /// fails with an <see cref="IOException"/> (HResult 17, EEXIST) when <paramref name="to"/> exists,
    /// even if it appears at the last moment (RENAME_NOREPLACE). Across file systems it fails with
    /// HResult 18 (EXDEV): moving data between datasets is <see cref="CopyTreeAsync"/>'s job.
    /// </summary>
    void Rename(string from, string to);

    /// <summary>
    /// rename(2) of a file, link or special file that <b>may replace</b> what is at
    /// <paramref name="to"/>, atomically, but only a file, link or special file: a directory at
    /// either end is refused (HResult 21, EISDIR) and nothing moves. A link at <paramref name="to"/>
    /// is replaced itself, never followed. For putting a finished new copy in place of an old file
    /// whose content is kept elsewhere (a snapshot); everything else uses <see cref="Rename"/>.
    /// </summary>
    void Replace(string from, string to);

    /// <summary>
    /// Swaps two names atomically (renameat2 RENAME_EXCHANGE): each keeps existing, nothing is lost
    /// whatever else happens meanwhile. Files, links and special files only (a directory is EISDIR,
    /// HResult 21); links are swapped themselves, never followed. Where the file system cannot
    /// (zfs-fuse: FUSE without rename flags) it throws with HResult 22 (EINVAL) and nothing changes.
    /// </summary>
    void Exchange(string a, string b);

    /// <summary>Removes a file, a link, or an empty directory (unlinkat on the parent, never following).</summary>
    void Delete(string path);

    /// <summary>
    /// Removes a whole tree without following any link out of it. Only for the console's own
    /// copies (staging trees): host data is never deleted.
    /// </summary>
    void DeleteTree(string path);

    /// <summary>
    /// Copies the directory tree <see cref="TreeCopy.Source"/> into <see cref="TreeCopy.Target"/>,
    /// which must not exist (its parent must). Keeps numeric owners, modes (setuid only where the
    /// owner is kept too), times, hard links within the tree, holes, xattrs and POSIX ACLs where
    /// both file systems have them; links are copied as links; FIFOs, sockets and devices are
    /// recreated, never read. With <see cref="TreeCopy.CompareWith"/>, a file (or link, or special
    /// file) is left out only when the same relative path there has the same content (or link
    /// target) <b>and</b> the same mode, owners and modification time; any other file is copied
    /// (rsync's --compare-dest). The directories of the source are still made in the target, even
    /// when all the files below them were left out, so they may be empty; only a directory with no
    /// file anywhere below it in the source is not made (rsync's --prune-empty-dirs).
    /// </summary>
    Task CopyTreeAsync(TreeCopy copy, CancellationToken ct = default);

    /// <summary>
    /// What still differs between a copy's source and target, by content (checksums, not sizes),
    /// kind, owner, group, mode, times and links; empty when the copy is faithful. Also refuses a
    /// copy that made a setuid or setgid file root's that was not root's.
    /// </summary>
    Task<IReadOnlyList<string>> VerifyCopyAsync(TreeCopy copy, CancellationToken ct = default);

    /// <summary>The argv <see cref="CopyTreeAsync"/> runs (for plans and dry runs), with host paths.</summary>
    IReadOnlyList<string> DescribeCopy(TreeCopy copy);
}

public enum FileKind { Missing, File, Directory, Symlink, Other }

/// <summary>lstat, reduced to what the engine and its tests compare.</summary>
/// <param name="Mode">Permission bits with setuid, setgid and sticky (07777).</param>
/// <param name="Device">With <paramref name="Inode"/>, the identity of the file: what a rename keeps.</param>
/// <param name="Special">For <see cref="FileKind.Other"/>: which kind of special file, and a device's number.</param>
public sealed record FileStatus(FileKind Kind, int Mode, int Uid, int Gid, long Size, long Device, long Inode, int Links,
    SpecialFile? Special = null)
{
    public FileIdentity Identity => new(Device, Inode);
}

public readonly record struct FileIdentity(long Device, long Inode);

public enum SpecialKind { Fifo, Socket, CharacterDevice, BlockDevice }

/// <summary>A FIFO, socket or device: what it is and, for a device, its major and minor number.</summary>
public sealed record SpecialFile(SpecialKind Kind, int Major = 0, int Minor = 0)
{
    public static readonly SpecialFile Fifo = new(SpecialKind.Fifo);

    /// <summary>What overlayfs leaves in its upper layer for a deleted name: a character device 0/0.</summary>
    public static readonly SpecialFile Whiteout = new(SpecialKind.CharacterDevice);

    public bool IsWhiteout => this == Whiteout;
}

/// <summary>One tree copy between host paths (see <see cref="IHostFiles.CopyTreeAsync"/>).</summary>
/// <param name="WithoutOverlayMarks">
/// Leave out overlayfs' own xattrs (<see cref="OverlayXattrPrefixes"/>: origin, impure, opaque...),
/// for a copy of an overlay's upper layer: they describe that overlay, not the files.
/// </param>
public sealed record TreeCopy(string Source, string Target, string? CompareWith = null, bool WithoutOverlayMarks = false)
{
    public static readonly string[] OverlayXattrPrefixes = ["trusted.overlay.", "user.overlay."];
}

/// <summary>A write was refused because the file system is mounted read-only (EROFS, errno 30).</summary>
public sealed class ReadOnlyFileSystemException(string path)
    : IOException($"Read-only file system: {path}", 30)
{
    public string Path { get; } = path;
}

/// <summary>
/// A path met a symbolic link (or something that is not a directory) where the engine will not
/// follow one. Nothing was changed. The engine answers it with <c>ErrorCode.UnsafePath</c>.
/// </summary>
public sealed class UnsafePathException(string path, string why)
    : IOException($"Unsafe path {path}: {why}; the console does not follow links it did not make.", 40)
{
    public string Path { get; } = path;
    public string Why { get; } = why;
}
