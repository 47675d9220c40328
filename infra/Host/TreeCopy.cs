using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// A move across file systems: copy the tree (bytes, links as links, modes, mtimes), verify it,
/// and only then delete the source. On any failure the partial copy goes and the source stays.
/// </summary>
internal static class TreeCopy
{
    public static void CopyVerifyDelete(string source, string target)
    {
        try
        {
            Copy(source, target);
            Verify(source, target);
        }
        catch
        {
            if (LocalFiles.KindOf(target) != FileKind.Missing) Remove(target);
            throw;
        }
        Remove(source);
    }

    private static void Copy(string source, string target)
    {
        switch (LocalFiles.KindOf(source))
        {
            case FileKind.Symlink:
                // As written: a relative link must stay relative to mean the same in its new place.
                File.CreateSymbolicLink(target, new FileInfo(source).LinkTarget!);
                break;
            case FileKind.Directory:
                Directory.CreateDirectory(target);
                foreach (var entry in Directory.EnumerateFileSystemEntries(source))
                    Copy(entry, Path.Combine(target, Path.GetFileName(entry)));
                // Mode and mtime last: writing the children would change them again.
                CopyMode(source, target);
                Directory.SetLastWriteTimeUtc(target, Directory.GetLastWriteTimeUtc(source));
                break;
            case FileKind.File:
                File.Copy(source, target, overwrite: false);
                CopyMode(source, target);
                File.SetLastWriteTimeUtc(target, File.GetLastWriteTimeUtc(source));
                break;
            default:
                throw new FileNotFoundException($"vanished while moving: {source}", source);
        }
    }

    private static void Verify(string source, string target)
    {
        var kind = LocalFiles.KindOf(source);
        if (LocalFiles.KindOf(target) != kind) throw new IOException($"copy of {source} is not a {kind}");
        switch (kind)
        {
            case FileKind.Symlink when new FileInfo(source).LinkTarget != new FileInfo(target).LinkTarget:
                throw new IOException($"copy of link {source} points elsewhere");
            case FileKind.File when new FileInfo(source).Length != new FileInfo(target).Length:
                throw new IOException($"copy of {source} has a different size");
            case FileKind.Directory:
                var names = Directory.EnumerateFileSystemEntries(source).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
                var copied = Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
                if (!names.SequenceEqual(copied)) throw new IOException($"copy of {source} has different entries");
                foreach (var name in names) Verify(Path.Combine(source, name!), Path.Combine(target, name!));
                break;
        }
    }

    private static void CopyMode(string source, string target)
    {
        if (OperatingSystem.IsWindows()) return; // the console runs on Linux; this keeps the analyzer honest
        File.SetUnixFileMode(target, File.GetUnixFileMode(source));
    }

    /// <summary>Deletes a tree without ever following a link out of it.</summary>
    private static void Remove(string path)
    {
        if (LocalFiles.KindOf(path) == FileKind.Directory)
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(path)) Remove(entry);
            Directory.Delete(path);
        }
        else
        {
            File.Delete(path);
        }
    }
}
