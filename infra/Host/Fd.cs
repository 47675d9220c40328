using System.IO.Enumeration;
using System.Runtime.InteropServices;

namespace SnapUpgrade.Infra.Host;

/// <summary>An open file descriptor, closed on dispose (or by the finalizer if a caller forgets).</summary>
internal sealed class Fd : SafeHandle
{
    public Fd(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    public int Value => (int)handle;

    /// <summary>
    /// The magic link to exactly this file in this process (root may follow another process's, which
    /// is how rsync and mount are handed a directory already checked here).
    /// </summary>
    public string ProcPath => $"/proc/{Environment.ProcessId}/fd/{Value}";

    /// <summary>Names in this directory, sorted ordinally (read through /proc/self/fd: the same directory, no lookup by name).</summary>
    public List<string> Names()
    {
        var names = new FileSystemEnumerable<string>($"/proc/self/fd/{Value}",
            (ref FileSystemEntry entry) => entry.FileName.ToString(),
            new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false }).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>lstat of <paramref name="name"/> in this directory ("" for this file itself).</summary>
    public Native.Statx Stat(string name, string hostPath)
    {
        Errno.Check(Native.StatxAt(Value, name, Native.AtSymlinkNoFollow | (name == "" ? Native.AtEmptyPath : 0), 0x7ff, out var st),
            hostPath, "stat");
        return st;
    }

    /// <summary>openat(this, name, flags | O_NOFOLLOW | O_CLOEXEC): a link in <paramref name="name"/> is an <see cref="Core.Host.UnsafePathException"/>.</summary>
    public Fd OpenAt(string name, int flags, string hostPath, uint mode = 0)
    {
        var fd = Native.Openat(Value, name, flags | Native.ONoFollow | Native.OCloExec, mode);
        if (fd >= 0) return new Fd(fd);
        var errno = Native.LastErrno;
        // O_PATH|O_NOFOLLOW opens a link itself, and O_DIRECTORY then answers ENOTDIR: say what it is.
        if (errno == Errno.ENotDir && IsLink(name)) errno = Errno.ELoop;
        throw Errno.ToException(errno, hostPath, "open");
    }

    public bool IsLink(string name) =>
        Native.StatxAt(Value, name, Native.AtSymlinkNoFollow, 0x7ff, out var st) == 0 && st.Type == Native.SIfLnk;

    protected override bool ReleaseHandle() => Native.Close(Value) == 0;
}
