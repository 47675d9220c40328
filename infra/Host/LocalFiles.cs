using System.Runtime.InteropServices;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IHostFiles"/> over the real file system under a host root. Links are never followed in
/// the last component unless the method says so; writes refused with EROFS surface as
/// <see cref="ReadOnlyFileSystemException"/>.
/// </summary>
public sealed class LocalFiles(string hostRoot) : IHostFiles
{
    private const int Exdev = 18;

    private readonly HostPaths _paths = new(hostRoot);

    public FileKind GetKind(string path) => KindOf(_paths.ToLocal(path));

    public string ReadLink(string path) =>
        new FileInfo(_paths.ToLocal(path)).LinkTarget ?? throw new IOException($"not a symbolic link: {path}");

    public IReadOnlyList<string> List(string directory) =>
        Directory.EnumerateFileSystemEntries(_paths.ToLocal(directory))
            .Select(p => Path.GetFileName(p))
            .Order(StringComparer.Ordinal)
            .ToList();

    public void CreateDirectory(string path, UnixFileMode? mode = null) => Guard(path, () => Directory.CreateDirectory(_paths.ToLocal(path)));

    // Issue 8 in progress: the new members of IHostFiles.
    public FileStatus? Stat(string path) => throw new NotImplementedException();
    public bool SameContent(string a, string b) => throw new NotImplementedException();
    public void Rename(string from, string to) => throw new NotImplementedException();
    public void DeleteTree(string path) => throw new NotImplementedException();
    public Task CopyTreeAsync(Core.Host.TreeCopy copy, CancellationToken ct = default) => throw new NotImplementedException();
    public Task<IReadOnlyList<string>> VerifyCopyAsync(Core.Host.TreeCopy copy, CancellationToken ct = default) => throw new NotImplementedException();
    public IReadOnlyList<string> DescribeCopy(Core.Host.TreeCopy copy) => throw new NotImplementedException();

    public void CreateSymlink(string path, string target) =>
        Guard(path, () => File.CreateSymbolicLink(_paths.ToLocal(path), target));

    public byte[] ReadAllBytes(string path) => File.ReadAllBytes(_paths.ToLocal(path));

    public void WriteAllBytes(string path, byte[] content) => Guard(path, () => File.WriteAllBytes(_paths.ToLocal(path), content));

    public void AppendAllBytes(string path, byte[] content) => Guard(path, () => File.AppendAllBytes(_paths.ToLocal(path), content));

    public void Move(string from, string to)
    {
        var source = _paths.ToLocal(from);
        var target = _paths.ToLocal(to);
        if (KindOf(source) == FileKind.Missing) throw new FileNotFoundException($"nothing to move at {from}", from);
        // rename(2) replaces an existing file or empty directory, so the check comes first. The
        // window between check and rename is closed by the engine's one-operation-at-a-time lock.
        if (KindOf(target) != FileKind.Missing) throw new IOException($"{to} exists: a move never overwrites");
        Guard(to, () =>
        {
            if (RenameSyscall(source, target) == 0) return;
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Exdev) TreeCopy.CopyVerifyDelete(source, target);
            else throw new IOException($"rename {from} -> {to} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
        });
    }

    public void Delete(string path)
    {
        var local = _paths.ToLocal(path);
        switch (KindOf(local))
        {
            case FileKind.Missing: throw new FileNotFoundException($"nothing to delete at {path}", path);
            case FileKind.Directory: Guard(path, () => Directory.Delete(local, recursive: false)); break;
            default: Guard(path, () => File.Delete(local)); break;
        }
    }

    /// <summary>lstat semantics: a link is a link, dangling or not.</summary>
    internal static FileKind KindOf(string local)
    {
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
        return attributes.HasFlag(FileAttributes.Directory) ? FileKind.Directory : FileKind.File;
    }

    private static void Guard(string hostPath, Action action) => Guard(hostPath, () => { action(); return 0; });

    private static T Guard<T>(string hostPath, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (IOException e) when (IsReadOnly(e))
        {
            throw new ReadOnlyFileSystemException(hostPath);
        }
    }

    // .NET reports EROFS as a plain IOException whose HResult is the raw errno (measured: 30).
    private static bool IsReadOnly(IOException e) =>
        e is not ReadOnlyFileSystemException
        && (e.HResult == 30 || e.Message.Contains("Read-only file system", StringComparison.Ordinal));

    // rename(2) itself: File.Move would copy a link's target across devices and Directory.Move
    // cannot cross them at all; EXDEV is the signal to copy. Strings marshal as UTF-8 on Unix.
    [DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameSyscall(string oldPath, string newPath);
}
