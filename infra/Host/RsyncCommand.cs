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
    /// <c>-H</c> hard links, <c>-S</c> holes, <c>--numeric-ids</c> (uids, not names: a BE's
    /// /etc/passwd may differ from the host's), <c>-A</c>/<c>-X</c> ACLs and xattrs where the file
    /// systems have them. Trailing slashes: the content of source into target.
    /// </summary>
    public static IReadOnlyList<string> Copy(string source, string target, string? compareWith, bool acls, bool xattrs) =>
        ["rsync", .. Flags(acls, xattrs), .. Compare(compareWith), Slash(source), Slash(target)];

    /// <summary>
    /// The same copy as a dry run by checksum that itemizes every difference: no output means
    /// the target holds the same content and metadata as the source.
    /// </summary>
    public static IReadOnlyList<string> Verify(string source, string target, string? compareWith, bool acls, bool xattrs) =>
        ["rsync", .. Flags(acls, xattrs), "--checksum", "--dry-run", "--itemize-changes", .. Compare(compareWith), Slash(source), Slash(target)];

    private static IEnumerable<string> Flags(bool acls, bool xattrs) =>
        ["-aHS", .. acls ? new[] { "-A" } : [], .. xattrs ? new[] { "-X" } : [], "--numeric-ids"];

    // --compare-dest: copy only what differs from there (by checksum), and leave out directories
    // that end up empty (-m).
    private static IEnumerable<string> Compare(string? compareWith) =>
        compareWith is null ? [] : ["--checksum", "--prune-empty-dirs", $"--compare-dest={compareWith}"];

    private static string Slash(string path) => path.EndsWith('/') ? path : path + "/";
}
