using System.Text;

namespace SnapUpgrade.Infra.Host;

/// <summary>Reads the kernel's mount table (<c>/proc/self/mountinfo</c>) and picks out bind mounts.</summary>
public static class MountInfoParser
{
    /// <summary>File systems whose binds <see cref="LinuxMounts"/> reports: zfs-fuse shows "fuse.zfs",
    /// OpenZFS "zfs"; both give the dataset name as the mount source.</summary>
    public static readonly IReadOnlySet<string> ZfsTypes = new HashSet<string>(StringComparer.Ordinal) { "zfs", "fuse.zfs" };

    public static IReadOnlyList<MountInfoEntry> Parse(string text)
    {
        var entries = new List<MountInfoEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            // Optional fields (shared:N, master:N) sit between field 6 and the "-" separator.
            var dash = Array.IndexOf(f, "-", 6);
            if (f.Length < 10 || dash < 0 || dash + 2 >= f.Length)
                throw new FormatException($"mountinfo: unexpected line: {line}");
            entries.Add(new MountInfoEntry(
                int.Parse(f[0]), int.Parse(f[1]), f[2], Unescape(f[3]), Unescape(f[4]),
                f[5].Split(',').Contains("ro"), Unescape(f[dash + 1]), Unescape(f[dash + 2])));
        }
        return entries;
    }

    /// <summary>
    /// The bind mounts among <paramref name="entries"/>. The rule, measured on zfs-fuse and true of
    /// the kernel in general: a bind shares its device with the mount it was made from and follows
    /// it in the table, or shows a root other than "/" (a bind of a subdirectory). Only ZFS file
    /// systems are considered: the console binds nothing else, and on a real host this keeps
    /// /proc, container bind mounts and the like out. Known limit: when the original ZFS mount is
    /// unmounted while a bind of the same dataset's root stays, the bind reads as the original.
    /// </summary>
    public static IReadOnlyList<(MountInfoEntry Bind, MountInfoEntry? Original)> Binds(IReadOnlyList<MountInfoEntry> entries)
    {
        var binds = new List<(MountInfoEntry, MountInfoEntry?)>();
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (!ZfsTypes.Contains(e.FsType)) continue;
            var original = entries.Take(i).FirstOrDefault(o => o.Device == e.Device && IsUnder(e.Root, o.Root));
            if (original is not null || e.Root != "/") binds.Add((e, original));
        }
        return binds;
    }

    /// <summary>Where a bind's content lives as a local path: the original's mount point plus the
    /// bind's root below the original's root; without an original, "dataset:root".</summary>
    public static string SourceOf(MountInfoEntry bind, MountInfoEntry? original)
    {
        if (original is null) return $"{bind.Source}:{bind.Root}";
        var below = bind.Root == original.Root ? "" : bind.Root[original.Root.TrimEnd('/').Length..];
        return original.MountPoint == "/" ? (below == "" ? "/" : below) : original.MountPoint + below;
    }

    private static bool IsUnder(string path, string root) =>
        root == "/" || path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

    // mountinfo writes space, tab, newline and backslash as \040, \011, \012, \134.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var bytes = new List<byte>();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add(Convert.ToByte(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s.Substring(at, 3).All(c => c is >= '0' and <= '7');
}
