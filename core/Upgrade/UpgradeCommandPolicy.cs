namespace SnapUpgrade.Core.Upgrade;

/// <summary>
/// Which package commands a host may configure for upgrades (ADR 0026). The argv must name the
/// alternate root (<c>{root}</c>): a command without it would change the running system, not the new
/// BE. Its program must be a package tool on the allow-list, or <c>chroot {root}</c> followed by one;
/// a shell or interpreter is never one, whatever the host adds to the list, so no configured command
/// can carry a shell line.
/// </summary>
public static class UpgradeCommandPolicy
{
    public const string RootToken = "{root}";
    public const string BeToken = "{be}";

    /// <summary>Package tools known to work against an alternate root (through chroot or their own root option).</summary>
    public static readonly IReadOnlyList<string> DefaultPrograms =
        ["apt-get", "apt", "aptitude", "dpkg", "dnf", "yum", "microdnf", "zypper", "rpm", "pacman", "apk", "pkg", "xbps-install", "emerge"];

    /// <summary>Never allowed, even when a host lists them: each would run whatever line it is given.</summary>
    public static readonly IReadOnlyList<string> Refused =
        ["sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish", "busybox", "env", "sudo", "su", "doas",
         "python", "python3", "perl", "ruby", "node", "lua", "tclsh", "awk", "gawk", "xargs", "nice", "nohup", "timeout", "setsid", "unshare", "nsenter"];

    /// <summary>Why <paramref name="argv"/> may not be a host's upgrade command; null when it may.</summary>
    public static string? Check(IReadOnlyList<string> argv, IEnumerable<string>? extraPrograms = null)
    {
        if (argv.Count == 0) return "It is empty: give the package command as an argv list.";
        if (argv.Any(string.IsNullOrWhiteSpace)) return "It has an empty word.";
        if (argv.Any(w => w.Any(char.IsControl))) return "It has a control character in a word.";
        if (!argv.Any(w => w.Contains(RootToken, StringComparison.Ordinal)))
            return $"It does not name the alternate root ({RootToken}): it would change the running system, not the new boot environment. " +
                   "Use e.g. chroot {root} apt-get -y dist-upgrade, or dnf --installroot={root} -y upgrade.";
        var allowed = DefaultPrograms.Concat(extraPrograms ?? []).Except(Refused, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal);
        var program = Program(argv[0]);
        if (program != "chroot")
            return Judge(program, allowed);
        // chroot [--userspec=U:G] [--groups=G] [--skip-chdir] NEWROOT COMMAND ARGS...
        var at = 1;
        while (at < argv.Count && argv[at].StartsWith('-')) at++;
        if (at >= argv.Count || argv[at] != RootToken)
            return $"chroot must be given the alternate root ({RootToken}) as its new root.";
        if (at + 1 >= argv.Count) return "chroot is given no command to run in the alternate root.";
        return Judge(Program(argv[at + 1]), allowed);
    }

    /// <summary>The program's own name (a path's last part).</summary>
    private static string Program(string word) => word[(word.LastIndexOf('/') + 1)..];

    private static string? Judge(string program, HashSet<string> allowed)
    {
        if (Refused.Contains(program, StringComparer.Ordinal))
            return $"'{program}' runs whatever it is given, so it is never an upgrade command; name the package tool itself.";
        return allowed.Contains(program)
            ? null
            : $"'{program}' is not a package tool on the allow-list ({string.Join(", ", allowed.Order(StringComparer.Ordinal))}); " +
              "a host adds its own with SnapUpgrade:Upgrade:AllowedPrograms.";
    }

    /// <summary>The argv with its placeholders filled in: <c>{root}</c> by <paramref name="root"/>, <c>{be}</c> by <paramref name="be"/>.</summary>
    public static IReadOnlyList<string> Fill(IReadOnlyList<string> argv, string root, string be) =>
        [.. argv.Select(w => w.Replace(RootToken, root, StringComparison.Ordinal).Replace(BeToken, be, StringComparison.Ordinal))];
}
