using System.Runtime.InteropServices;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// <see cref="IProcessFiles"/> with System.IO (and libc for lchown and mkfifo) under a host root:
/// the kernel does the following of links, as for any process. Host paths map to local ones
/// with <see cref="HostPaths"/>, so ".." never leaves the host root; an absolute link still does,
/// as it would for a process on that machine.
/// </summary>
public sealed class LocalProcessFiles(string hostRoot) : IProcessFiles
{
    private readonly HostPaths _paths = new(hostRoot);

    public FileKind GetKind(string path)
    {
        var local = Local(path);
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(local);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return FileKind.Missing;
        }
        if (attributes.HasFlag(FileAttributes.ReparsePoint)) return FileKind.Symlink;
        if (attributes.HasFlag(FileAttributes.Directory)) return FileKind.Directory;
        // .NET reports FIFOs, sockets and devices as files; lstat's type bits tell them apart.
        return LstatIsRegular(local) ? FileKind.File : FileKind.Other;
    }

    public string ReadLink(string path) =>
        new FileInfo(Local(path)).LinkTarget ?? throw new IOException($"not a symbolic link: {path}", 22);

    public IReadOnlyList<string> List(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(Local(directory)).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    public byte[] ReadAllBytes(string path) => File.ReadAllBytes(Local(path));

    public void WriteAllBytes(string path, byte[] content) => Writing(path, () => File.WriteAllBytes(Local(path), content));

    public void AppendAllBytes(string path, byte[] content) => Writing(path, () => File.AppendAllBytes(Local(path), content));

    /// <summary>EROFS as the same exception the simulator's process view throws (.NET reports it as errno 30).</summary>
    private static void Writing(string path, Action write)
    {
        try
        {
            write();
        }
        catch (IOException e) when (e is not ReadOnlyFileSystemException && (e.HResult == 30 || e.Message.Contains("Read-only file system", StringComparison.Ordinal)))
        {
            throw new ReadOnlyFileSystemException(path);
        }
    }

    public void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        Directory.CreateDirectory(Local(path), (UnixFileMode)0x1ED); // 0755 (less the umask, which is 022 for root)
    }

    public void SetOwner(string path, int uid, int gid)
    {
        if (LChown(Local(path), uid, gid) != 0) throw Error("lchown", path);
    }

    public void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        File.SetUnixFileMode(Local(path), mode);
    }

    public void CreateFifo(string path)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        var local = Local(path);
        if (MkFifo(local, 0x1A4) != 0) throw Error("mkfifo", path);
        // mkfifo applies the umask: make the mode exact, as the simulator's is.
        File.SetUnixFileMode(local, (UnixFileMode)0x1A4);
    }

    public void MakeNode(string path, SpecialFile special)
    {
        ArgumentNullException.ThrowIfNull(special);
        var type = special.Kind switch
        {
            SpecialKind.Fifo => 0x1000u,
            SpecialKind.CharacterDevice => 0x2000u,
            SpecialKind.BlockDevice => 0x6000u,
            _ => 0xC000u,
        };
        // glibc's makedev for the small numbers tests use.
        var device = ((ulong)(special.Major & 0xfff) << 8) | (uint)(special.Minor & 0xff);
        var local = Local(path);
        if (MkNod(local, type | 0x1A4, device) != 0) throw Error("mknod", path);
        if (LChmodByPath(local) != 0) throw Error("chmod", path); // exact 0644, as the simulator's
    }

    public void SetXattr(string path, string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (LSetXattr(Local(path), name, value, value.Length, 0) != 0) throw Error("lsetxattr", path);
    }

    // fchmodat without AT_SYMLINK_NOFOLLOW: the node just made is not a link.
    private static int LChmodByPath(string local) => FChmodAt(-100, local, 0x1A4, 0);

    private string Local(string hostPath) => _paths.ToLocal(hostPath);

    private static bool LstatIsRegular(string local)
    {
        // struct stat on x86_64 and arm64 glibc: st_mode is a 32-bit field after dev, ino (and nlink).
        var buffer = new byte[256];
        if (LStat(local, buffer) != 0) throw Error("lstat", local);
        var modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        return (BitConverter.ToUInt32(buffer, modeOffset) & 0xF000) == 0x8000;
    }

    private static IOException Error(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int LChown(string path, int uid, int gid);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(string path, uint mode);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int MkNod(string path, uint mode, ulong device);

    [DllImport("libc", EntryPoint = "fchmodat", SetLastError = true)]
    private static extern int FChmodAt(int dirFd, string path, uint mode, int flags);

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static extern int LSetXattr(string path, string name, byte[] value, nint size, int flags);

    [DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
    private static extern int LStat(string path, byte[] buffer);
}
