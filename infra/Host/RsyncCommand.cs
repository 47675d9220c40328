namespace SnapUpgrade.Infra.Host;

/// <summary>
/// The argv of the one tool that moves host data between datasets: rsync, because it keeps what
/// a hand-written copy loses (numeric owners, setuid with its owner, hard links, holes, xattrs,
/// ACLs) and recreates FIFOs, sockets and devices without reading them. Both adapters show this
/// argv in plans, so a dry run reads the same on the simulator and on a real host.
/// </summary>
public static class RsyncCommand
{
    /// <summary>
    /// <c>-a</c> (recursive, links as links, perms, times, group, owner, devices and specials),
    /// <c>-H</c> hard links, <c>-S</c> holes, <c>-x</c> one file system (a dataset mounted inside
    /// the source, such as /var/shared inside /var, is not part of it: its mount point directory is
    /// made, empty; measured: a bind of the same file system has the same device and IS crossed),
    /// <c>--numeric-ids</c> (uids, not names: a BE's /etc/passwd may differ from the host's),
    /// <c>-A</c>/<c>-X</c> ACLs and xattrs where the target's file system has them. Trailing
    /// slashes: the content of source into target.
    /// </summary>
    public static IReadOnlyList<string> Copy(string source, string target, string? compareWith, bool acls, bool xattrs,
        bool withoutOverlayMarks = false) =>
        ["rsync", .. Flags(acls, xattrs), .. Filters(xattrs && withoutOverlayMarks), .. Compare(compareWith), Slash(source), Slash(target)];

    /// <summary>
    /// The same copy as a dry run by checksum that itemizes every difference, with <c>--delete</c>
    /// so that what the target has and the source lacks shows too ("*deleting"). Measured with
    /// rsync 3.5.0: a faithful copy prints nothing at all (no "./" or directory lines), with or
    /// without --compare-dest; a changed file prints "&gt;fc...", a broken hard link "hf a =&gt; b",
    /// a changed directory time ".d..t...".
    /// </summary>
    public static IReadOnlyList<string> Verify(string source, string target, string? compareWith, bool acls, bool xattrs,
        bool withoutOverlayMarks = false) =>
        ["rsync", .. Flags(acls, xattrs), .. Filters(xattrs && withoutOverlayMarks), "--checksum", "--dry-run", "--itemize-changes", "--delete", .. Compare(compareWith), Slash(source), Slash(target)];

    // -x rules filter xattr names (measured with rsync 3.5.0: the copy has none of them, and the
    // verify with the same rules prints nothing).
    private static IEnumerable<string> Filters(bool withoutOverlayMarks) =>
        withoutOverlayMarks ? Core.Host.TreeCopy.OverlayXattrPrefixes.Select(p => $"--filter=-x {p}*") : [];

    private static IEnumerable<string> Flags(bool acls, bool xattrs) =>
        ["-aHSx", .. acls ? new[] { "-A" } : [], .. xattrs ? new[] { "-X" } : [], "--numeric-ids"];

    // --compare-dest: leave out what is the same there (by checksum, and measured: only when the
    // metadata is the same too; same bytes with another mtime or mode are copied). Measured:
    // --prune-empty-dirs prunes what is empty in the source's file list only, so a directory whose
    // files were all left out IS still made, empty.
    private static IEnumerable<string> Compare(string? compareWith) =>
        compareWith is null ? [] : ["--checksum", "--prune-empty-dirs", $"--compare-dest={compareWith}"];

    private static string Slash(string path) => path.EndsWith('/') ? path : path + "/";
}
