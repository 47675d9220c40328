using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// What a process running as root on a test host sees, by host path: symbolic links are followed
/// like the kernel follows them for open(2) (in every component but the last of
/// <see cref="GetKind"/>, <see cref="ReadLink"/> and <see cref="SetOwner"/>). For setting a test up
/// and for looking at what the engine left; the engine itself only ever uses the no-follow
/// <see cref="IHostFiles"/>. Simulator: <c>SimulatedZfs.AsProcess()</c>; zfs-fuse: System.IO under the host root.
/// </summary>
public interface IProcessFiles
{
    /// <summary>lstat of the last component (links before it followed).</summary>
    FileKind GetKind(string path);

    string ReadLink(string path);

    /// <summary>Names in a directory, sorted ordinally.</summary>
    IReadOnlyList<string> List(string directory);

    byte[] ReadAllBytes(string path);

    void WriteAllBytes(string path, byte[] content);

    void AppendAllBytes(string path, byte[] content);

    /// <summary>mkdir -p; made directories are root's with mode 0755.</summary>
    void CreateDirectory(string path);

    /// <summary>lchown(2): numeric owner and group of the last component itself, a link included.</summary>
    void SetOwner(string path, int uid, int gid);

    /// <summary>chmod(2), setuid, setgid and sticky included.</summary>
    void SetMode(string path, UnixFileMode mode);

    /// <summary>mkfifo with mode 0644: a <see cref="FileKind.Other"/>.</summary>
    void CreateFifo(string path);

    /// <summary>mknod with mode 0644: a FIFO, socket or device (an overlayfs whiteout is a character device 0/0).</summary>
    void MakeNode(string path, SpecialFile special);

    /// <summary>lsetxattr(2): on the last component itself (trusted.* needs root).</summary>
    void SetXattr(string path, string name, byte[] value);
}
