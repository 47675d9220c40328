using System.Runtime.InteropServices;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// The few Linux calls <see cref="LocalFiles"/> and <see cref="LinuxMounts"/> make themselves: the
/// *at family on directory fds, openat2 (through syscall(2): glibc 2.36 has no wrapper) and statx
/// (its layout is the same on every architecture, unlike struct stat). Strings marshal as UTF-8.
/// Every call sets errno; <see cref="Errno"/> turns it into an exception.
/// </summary>
internal static class Native
{
    private const string Libc = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;

    public const int ORdOnly = 0, OWrOnly = 1, ORdWr = 2;
    public const int OCreat = 0x40, OExcl = 0x80, ONoCtty = 0x100, OAppend = 0x400, ONonBlock = 0x800;
    public const int OCloExec = 0x80000, OPath = 0x200000, OTmpFileBit = 0x400000;

    // The two flags whose values differ between x86 and the Arm ports.
    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    public static readonly int ODirectory = Arm ? 0x4000 : 0x10000;
    public static readonly int ONoFollow = Arm ? 0x8000 : 0x20000;
    public static int OTmpFile => OTmpFileBit | ODirectory;

    public const ulong ResolveNoMagicLinks = 0x02, ResolveNoSymlinks = 0x04;
    public const uint RenameNoReplace = 1, RenameExchange = 2;
    private const long SysOpenat2 = 437; // the same number on every architecture (added in 5.6)

    public const uint SIfMt = 0xF000, SIfDir = 0x4000, SIfReg = 0x8000, SIfLnk = 0xA000, SIfSock = 0xC000;
    public const uint SIfIfo = 0x1000, SIfChr = 0x2000, SIfBlk = 0x6000;
    public const uint SIsUid = 0x800, SIsGid = 0x400;

    // Modes, written in octal in the comments: C# has no octal literals (0755 would be decimal).
    public const uint Mode0700 = 0x1C0, Mode0600 = 0x180, Mode0644 = 0x1A4, Mode0755 = 0x1ED;

    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>struct statx (linux/stat.h): 256 bytes, the fields we read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        [FieldOffset(8)] public ulong Attributes;
        [FieldOffset(16)] public uint Nlink;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Ino;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(56)] public ulong AttributesMask;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;

        public readonly uint Type => Mode & SIfMt;

        /// <summary>STATX_ATTR_MOUNT_ROOT (5.8+): the root of a mount, a bind of the same file system included.</summary>
        public readonly bool IsMountRoot => (AttributesMask & Attributes & 0x2000) != 0;

        /// <summary>glibc's makedev, so the number reads as stat(1)'s %d.</summary>
        public readonly long Device => (long)(((ulong)(DevMajor & 0xfffff000) << 32) | ((ulong)(DevMajor & 0xfff) << 8)
            | ((ulong)(DevMinor & 0xffffff00) << 12) | (DevMinor & 0xff));
    }

    public static int Openat2(int dirFd, string path, ref OpenHow how) =>
        (int)Syscall(SysOpenat2, dirFd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());

    [DllImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall(long number, long dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref OpenHow how, nuint size);

    [DllImport(Libc, EntryPoint = "openat", SetLastError = true)]
    public static extern int Openat(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mode);

    [DllImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport(Libc, EntryPoint = "statx", SetLastError = true)]
    public static extern int StatxAt(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, out Statx result);

    [DllImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    public static extern nint Readlinkat(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer, nint size);

    [DllImport(Libc, EntryPoint = "mkdirat", SetLastError = true)]
    public static extern int Mkdirat(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    /// <summary>lchown(2): a link at the path is changed itself, never followed.</summary>
    [DllImport(Libc, EntryPoint = "lchown", SetLastError = true)]
    public static extern int Lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport(Libc, EntryPoint = "geteuid")]
    public static extern uint Geteuid();

    [DllImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    public static extern int Fchmod(int fd, uint mode);

    [DllImport(Libc, EntryPoint = "symlinkat", SetLastError = true)]
    public static extern int Symlinkat([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport(Libc, EntryPoint = "unlinkat", SetLastError = true)]
    public static extern int Unlinkat(int dirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport(Libc, EntryPoint = "renameat2", SetLastError = true)]
    public static extern int Renameat2(int fromDirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string from,
        int toDirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string to, uint flags);

    [DllImport(Libc, EntryPoint = "linkat", SetLastError = true)]
    public static extern int Linkat(int fromDirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string from,
        int toDirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string to, int flags);

    [DllImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, ref byte buffer, nint count);

    [DllImport(Libc, EntryPoint = "write", SetLastError = true)]
    public static extern nint Write(int fd, ref byte buffer, nint count);

    [DllImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    public static extern int Ftruncate(int fd, long length);

    [DllImport(Libc, EntryPoint = "fsetxattr", SetLastError = true)]
    public static extern int Fsetxattr(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nint size, int flags);

    [DllImport(Libc, EntryPoint = "fgetxattr", SetLastError = true)]
    public static extern nint Fgetxattr(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nint size);

    /// <summary>lgetxattr(2): of a link itself, never its target.</summary>
    [DllImport(Libc, EntryPoint = "lgetxattr", SetLastError = true)]
    public static extern nint Lgetxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[]? value, nint size);

    [DllImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static extern int Fsync(int fd);

    [DllImport(Libc, EntryPoint = "flistxattr", SetLastError = true)]
    public static extern nint Flistxattr(int fd, byte[]? list, nint size);

    [DllImport(Libc, EntryPoint = "llistxattr", SetLastError = true)]
    public static extern nint Llistxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[]? list, nint size);

    public const short PollPri = 0x2, PollErr = 0x8;

    /// <summary>struct pollfd (poll.h): the same layout on every architecture.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>poll(2) of one descriptor: 1 when it is ready, 0 after <paramref name="timeoutMs"/>, -1 on error.</summary>
    [DllImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static extern int Poll(ref PollFd fd, nuint count, int timeoutMs);

    public static int LastErrno => Marshal.GetLastPInvokeError();
}
