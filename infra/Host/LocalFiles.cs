using System.Runtime.InteropServices;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>How <see cref="LocalFiles"/> resolves paths without following links.</summary>
public enum PathResolution
{
    /// <summary>openat2(RESOLVE_NO_SYMLINKS), falling back to the walk when the kernel answers ENOSYS.</summary>
    Openat2,
    /// <summary>One O_NOFOLLOW open per component: what kernels before 5.6 get; chosen explicitly only to test it.</summary>
    ComponentWalk,
}

/// <summary>
/// <see cref="IHostFiles"/> over the real file system under a host root, never following a link:
/// every path is resolved to its parent directory's fd by <see cref="HostTree"/>, and the operation
/// is the *at call on that fd with the last name (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, no-replace
/// renames). Errors keep their errno as HResult (<see cref="Errno"/>).
/// </summary>
public sealed partial class LocalFiles : IHostFiles
{
    private const uint DefaultDirectoryMode = Native.Mode0755;

    private readonly HostPaths _paths;
    private readonly HostTree _tree;
    private readonly IProcessRunner _runner;
    private readonly TimeSpan _copyTimeout;

    /// <param name="copyTimeout">How long one rsync run may take; default none (copies of a
    /// large /var take as long as they take; cancellation still stops them).</param>
    public LocalFiles(string hostRoot, IProcessRunner? runner = null, TimeSpan? copyTimeout = null,
        PathResolution resolution = PathResolution.Openat2)
    {
        _paths = new HostPaths(hostRoot);
        _tree = new HostTree(_paths, resolution == PathResolution.Openat2);
        _runner = runner ?? new ProcessRunner();
        _copyTimeout = copyTimeout ?? Timeout.InfiniteTimeSpan;
    }

    public FileKind GetKind(string path) => Stat(path)?.Kind ?? FileKind.Missing;

    public FileStatus? Stat(string path)
    {
        Native.Statx st;
        try
        {
            using var root = _tree.OpenRoot();
            var (parent, name) = _tree.OpenParent(root, path);
            using (parent) st = parent.Stat(name, path);
        }
        catch (IOException e) when (e.HResult is Errno.ENoEnt or Errno.ENotDir)
        {
            return null; // what lstat says: nothing there (a file where a directory would be included)
        }
        var kind = st.Type switch
        {
            Native.SIfReg => FileKind.File,
            Native.SIfDir => FileKind.Directory,
            Native.SIfLnk => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, st.Mode & 0xfff, (int)st.Uid, (int)st.Gid, (long)st.Size, st.Device, (long)st.Ino, (int)st.Nlink,
            SpecialOf(st));
    }

    private static SpecialFile? SpecialOf(Native.Statx st) => st.Type switch
    {
        Native.SIfIfo => SpecialFile.Fifo,
        Native.SIfSock => new SpecialFile(SpecialKind.Socket),
        Native.SIfChr => new SpecialFile(SpecialKind.CharacterDevice, (int)st.RdevMajor, (int)st.RdevMinor),
        Native.SIfBlk => new SpecialFile(SpecialKind.BlockDevice, (int)st.RdevMajor, (int)st.RdevMinor),
        _ => null,
    };

    public byte[]? GetXattr(string path, string name) => AtParent<byte[]?>(path, (parent, last) =>
    {
        // lgetxattr through the parent's fd: the last name is not followed, and nothing before it is a path lookup.
        var at = $"/proc/self/fd/{parent.Value}/{last}";
        parent.Stat(last, path); // a missing file is an error, not "no attribute"
        var size = Native.Lgetxattr(at, name, null, 0);
        if (size < 0)
        {
            var errno = Native.LastErrno;
            return errno is Errno.ENoData or Errno.EOpNotSupp ? null : throw Errno.ToException(errno, path, "getxattr");
        }
        var value = new byte[size];
        var length = Errno.Check(Native.Lgetxattr(at, name, value, value.Length), path, "getxattr");
        return value[..(int)length];
    });

    public string ReadLink(string path) => AtParent(path, (parent, name) =>
    {
        var buffer = new byte[4097];
        var length = Errno.Check(Native.Readlinkat(parent.Value, name, buffer, buffer.Length), path, "readlink");
        if (length == buffer.Length) throw new IOException($"readlink {path}: the target is longer than PATH_MAX", Errno.EInval);
        return System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length);
    });

    public IReadOnlyList<string> List(string directory)
    {
        using var root = _tree.OpenRoot();
        using var fd = _tree.OpenDirectory(root, directory);
        return fd.Names();
    }

    public void CreateDirectory(string path, UnixFileMode? mode = null)
    {
        using var root = _tree.OpenRoot();
        HostTree.CreateDirectories(root, path, mode is { } m ? (uint)m : DefaultDirectoryMode);
    }

    public void CreateSymlink(string path, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        AtParent(path, (parent, name) => Errno.Check(Native.Symlinkat(target, parent.Value, name), path, "symlink"));
    }

    public byte[] ReadAllBytes(string path)
    {
        using var file = OpenRegular(path, Native.ORdOnly);
        return ReadAll(file, path);
    }

    public void WriteAllBytes(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        // Not O_TRUNC: the file is truncated only once it is known to be a regular file.
        using var file = OpenRegular(path, Native.OWrOnly | Native.OCreat);
        Errno.Check(Native.Ftruncate(file.Value, 0), path, "truncate");
        WriteAll(file, content, path);
    }

    public void AppendAllBytes(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var file = OpenRegular(path, Native.OWrOnly | Native.OCreat | Native.OAppend);
        WriteAll(file, content, path);
        // Durable before the caller goes on: the staged-writes journal relies on it (ADR 0025).
        Errno.Check(Native.Fsync(file.Value), path, "fsync");
    }

    public bool SameContent(string a, string b)
    {
        if (KindRefusingLink(a) != FileKind.File || KindRefusingLink(b) != FileKind.File) return false;
        using var first = OpenRegular(a, Native.ORdOnly);
        using var second = OpenRegular(b, Native.ORdOnly);
        if (first.Stat("", a).Size != second.Stat("", b).Size) return false;
        var x = new byte[1 << 16];
        var y = new byte[1 << 16];
        while (true)
        {
            var n = ReadSome(first, x, a);
            if (n == 0) return ReadSome(second, y, b) == 0;
            if (ReadFully(second, y, n, b) != n || !x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, n))) return false;
        }
    }

    public void Rename(string from, string to) => AtParent(from, (fromParent, fromName) => AtParent(to, (toParent, toName) =>
    {
        if (Native.Renameat2(fromParent.Value, fromName, toParent.Value, toName, Native.RenameNoReplace) == 0) return 0;
        var errno = Native.LastErrno;
        if (errno != Errno.EInval) throw Errno.ToException(errno, $"{from} -> {to}", "rename");
        // EINVAL: the file system lacks RENAME_NOREPLACE (measured on zfs-fuse: FUSE without rename
        // flags answers EINVAL when the target is missing, EEXIST when it exists), or a directory
        // was to go into itself (the fallbacks below meet that EINVAL again and throw it).
        if (fromParent.Stat(fromName, from).Type == Native.SIfDir)
        {
            RenameDirectoryNoReplace(fromParent, fromName, toParent, toName, from, to);
            return 0;
        }
        // A non-directory can still move without ever replacing: link(2) fails on an existing name.
        Errno.Check(Native.Linkat(fromParent.Value, fromName, toParent.Value, toName, 0), $"{from} -> {to}", "rename (link)");
        return Errno.Check(Native.Unlinkat(fromParent.Value, fromName, 0), from, "unlink");
    }));

    /// <summary>
    /// A no-replace rename of a directory where the file system has no RENAME_NOREPLACE: make the
    /// target ourselves (mkdirat is exclusive: an existing name of any kind, a link included, is
    /// EEXIST and nothing moved), then a plain renameat of the source onto that fresh empty
    /// directory, which rename(2) replaces atomically. If the rename fails, our empty directory goes.
    /// <para>
    /// Residual race, accepted: between the mkdirat and the renameat another process could remove
    /// our directory and put something else at the name. rename(2) of a directory replaces only an
    /// empty directory (a file or link there is ENOTDIR, a non-empty directory ENOTEMPTY, and those
    /// fail the call), so the most that can be lost is an empty directory made in that window.
    /// </para>
    /// </summary>
    private static void RenameDirectoryNoReplace(Fd fromParent, string fromName, Fd toParent, string toName, string from, string to)
    {
        Errno.Check(Native.Mkdirat(toParent.Value, toName, Native.Mode0700), to, "rename (make the target)");
        if (Native.Renameat2(fromParent.Value, fromName, toParent.Value, toName, 0) == 0) return;
        var failure = Errno.ToException(Native.LastErrno, $"{from} -> {to}", "rename");
        if (Native.Unlinkat(toParent.Value, toName, Native.AtRemoveDir) != 0)
        {
            var message = $"{failure.Message}; the empty directory made at {to} for it could not be removed: " +
                Marshal.GetPInvokeErrorMessage(Native.LastErrno);
            throw new IOException(message, failure) { HResult = failure.HResult };
        }
        throw failure;
    }

    public void Replace(string from, string to) => AtParent(from, (fromParent, fromName) => AtParent(to, (toParent, toName) =>
    {
        if (fromParent.Stat(fromName, from).Type == Native.SIfDir) throw new IOException($"replace {from}: it is a directory", Errno.EIsDir);
        if (Native.StatxAt(toParent.Value, toName, Native.AtSymlinkNoFollow, 0x7ff, out var there) == 0 && there.Type == Native.SIfDir)
            throw new IOException($"replace {to}: it is a directory", Errno.EIsDir);
        // Residual race, accepted: a directory made at the name after the look is refused by rename(2)
        // itself (a non-directory cannot replace a directory: EISDIR).
        return Errno.Check(Native.Renameat2(fromParent.Value, fromName, toParent.Value, toName, 0), $"{from} -> {to}", "rename");
    }));

    public void Exchange(string a, string b) => AtParent(a, (aParent, aName) => AtParent(b, (bParent, bName) =>
    {
        if (aParent.Stat(aName, a).Type == Native.SIfDir) throw new IOException($"exchange {a}: it is a directory", Errno.EIsDir);
        if (bParent.Stat(bName, b).Type == Native.SIfDir) throw new IOException($"exchange {b}: it is a directory", Errno.EIsDir);
        return Errno.Check(Native.Renameat2(aParent.Value, aName, bParent.Value, bName, Native.RenameExchange), $"{a} <-> {b}", "exchange");
    }));

    public void Delete(string path) => AtParent(path, (parent, name) =>
    {
        var directory = parent.Stat(name, path).Type == Native.SIfDir;
        return Errno.Check(Native.Unlinkat(parent.Value, name, directory ? Native.AtRemoveDir : 0), path, "delete");
    });

    public void DeleteTree(string path) => AtParent(path, (parent, name) =>
    {
        FdTree.Delete(parent, name, path);
        return 0;
    });

    /// <summary>The parent directory's fd (no links on the way) and the last name, for one *at call.</summary>
    private T AtParent<T>(string path, Func<Fd, string, T> action)
    {
        using var root = _tree.OpenRoot();
        var (parent, name) = _tree.OpenParent(root, path);
        using (parent) return action(parent, name);
    }

    /// <summary>
    /// Opens a regular file by name in its parent with O_NOFOLLOW (a link is refused) and O_NONBLOCK
    /// (a FIFO put where a file was expected must not hang the console), then checks that it is one.
    /// </summary>
    private Fd OpenRegular(string path, int flags) => AtParent(path, (parent, name) =>
    {
        var file = parent.OpenAt(name, flags | Native.ONonBlock | Native.ONoCtty, path, mode: Native.Mode0644);
        if (file.Stat("", path).Type == Native.SIfReg) return file;
        file.Dispose();
        throw new IOException($"{path} is not a regular file", Errno.EInval);
    });

    private static byte[] ReadAll(Fd file, string path)
    {
        var buffer = new byte[Math.Max(4096, (int)Math.Min((long)file.Stat("", path).Size + 1, Array.MaxLength))];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
            var n = (int)Errno.Check(Native.Read(file.Value, ref buffer[length], buffer.Length - length), path, "read");
            if (n == 0) return buffer[..length];
            length += n;
        }
    }

    private static int ReadSome(Fd file, byte[] buffer, string path) =>
        ReadFully(file, buffer, buffer.Length, path);

    private static int ReadFully(Fd file, byte[] buffer, int count, string path)
    {
        var length = 0;
        while (length < count)
        {
            var n = (int)Errno.Check(Native.Read(file.Value, ref buffer[length], count - length), path, "read");
            if (n == 0) break;
            length += n;
        }
        return length;
    }

    private static void WriteAll(Fd file, byte[] content, string path)
    {
        for (var done = 0; done < content.Length;)
            done += (int)Errno.Check(Native.Write(file.Value, ref content[done], content.Length - done), path, "write");
    }

    /// <summary>What is at the path, refusing a link there: for methods that need a file or directory.</summary>
    private FileKind KindRefusingLink(string path)
    {
        var kind = GetKind(path);
        return kind == FileKind.Symlink ? throw new UnsafePathException(path, "a symbolic link is in the way") : kind;
    }
}
