using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Staging;

/// <summary>
/// Comparisons of two entries by host path, through the no-follow port: the one meaning of "the
/// same" for staged against base and for live against base. Special files are compared by lstat
/// only (kind and device number), never opened.
/// </summary>
internal static class Entries
{
    /// <summary>Same kind, mode and owners, and the same bytes, link target or special kind.</summary>
    public static bool Same(IHostFiles files, string a, FileStatus aStat, string b, FileStatus bStat)
    {
        if (aStat.Kind != bStat.Kind || aStat.Mode != bStat.Mode || aStat.Uid != bStat.Uid || aStat.Gid != bStat.Gid) return false;
        return aStat.Kind switch
        {
            FileKind.File => aStat.Size == bStat.Size && files.SameContent(a, b),
            FileKind.Symlink => files.ReadLink(a) == files.ReadLink(b),
            FileKind.Other => aStat.Special == bStat.Special,
            _ => true,
        };
    }

    /// <summary>
    /// Regular files in both with the same mode and owners, and <paramref name="longer"/> holds
    /// all of <paramref name="start"/>'s bytes first and more after them.
    /// </summary>
    public static bool IsAppended(IHostFiles files, string longer, FileStatus longerStat, string start, FileStatus startStat) =>
        longerStat.Kind == FileKind.File && startStat.Kind == FileKind.File && longerStat.Size > startStat.Size
        && longerStat.Mode == startStat.Mode && longerStat.Uid == startStat.Uid && longerStat.Gid == startStat.Gid
        && StartsWith(files, longer, start);

    /// <summary>Whether the file at <paramref name="path"/> begins with all the bytes of the file at <paramref name="start"/>.</summary>
    public static bool StartsWith(IHostFiles files, string path, string start)
    {
        var head = files.ReadAllBytes(start);
        var bytes = files.ReadAllBytes(path);
        return bytes.Length >= head.Length && bytes.AsSpan(0, head.Length).SequenceEqual(head);
    }
}
