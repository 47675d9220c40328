namespace SnapUpgrade.Infra.Host;

// Tree copies with rsync (RsyncCommand), handed directories this process has already resolved
// without links: rsync gets /proc/<pid>/fd/<n>/ paths of fds held open here, so nothing can swap a
// link into a path between the check and the copy (root may follow another process's fd links).
public sealed partial class LocalFiles
{
    private const string AclName = "system.posix_acl_access";
    private const string ProbeName = "user.snapupgrade-probe";

    // A minimal access ACL (user::rw-, group::r--, other::r--) in the kernel's xattr form:
    // version 2, then (tag u16, perm u16, id u32) entries.
    private static readonly byte[] MinimalAcl =
    [
        2, 0, 0, 0,
        0x01, 0, 6, 0, 0xff, 0xff, 0xff, 0xff,
        0x04, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
        0x20, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,
    ];

    public async Task CopyTreeAsync(Core.Host.TreeCopy copy, CancellationToken ct = default)
    {
        using var root = _tree.OpenRoot();
        using var source = _tree.OpenDirectory(root, copy.Source);
        using var compare = copy.CompareWith is null ? null : _tree.OpenDirectory(root, copy.CompareWith);
        var (parent, name) = _tree.OpenParent(root, copy.Target);
        using (parent)
        {
            var (acls, xattrs) = Probe(parent);
            RefuseLostAttributes(source, copy, acls, xattrs);
            // 0700 until rsync gives it the source's mode: nobody else can put anything in it meanwhile.
            Errno.Check(Native.Mkdirat(parent.Value, name, Native.Mode0700), copy.Target, "mkdir");
            try
            {
                using var target = parent.OpenAt(name, Native.OPath | Native.ODirectory, copy.Target);
                var argv = RsyncCommand.Copy(source.ProcPath, target.ProcPath, compare?.ProcPath, acls, xattrs, copy.WithoutOverlayMarks);
                var result = await _runner.RunAsync(argv, _copyTimeout, ct);
                if (!result.Succeeded)
                    throw new IOException($"copy {copy.Source} -> {copy.Target}: rsync exit {result.ExitCode}: {result.StandardError.Trim()}");
            }
            catch (Exception failure)
            {
                // The partial copy is this call's own (made just above): it goes, so a retry can start clean.
                try
                {
                    FdTree.Delete(parent, name, copy.Target);
                }
                catch (Exception cleanup)
                {
                    throw new IOException($"{failure.Message}; the partial copy at {copy.Target} could not be removed: {cleanup.Message}", failure);
                }
                throw;
            }
        }
    }

    public async Task<IReadOnlyList<string>> VerifyCopyAsync(Core.Host.TreeCopy copy, CancellationToken ct = default)
    {
        using var root = _tree.OpenRoot();
        using var source = _tree.OpenDirectory(root, copy.Source);
        using var target = _tree.OpenDirectory(root, copy.Target);
        using var compare = copy.CompareWith is null ? null : _tree.OpenDirectory(root, copy.CompareWith);
        var (parent, _) = _tree.OpenParent(root, copy.Target);
        var (acls, xattrs) = Probe(parent);
        parent.Dispose();

        var argv = RsyncCommand.Verify(source.ProcPath, target.ProcPath, compare?.ProcPath, acls, xattrs, copy.WithoutOverlayMarks);
        var result = await _runner.RunAsync(argv, _copyTimeout, ct);
        if (!result.Succeeded)
            throw new IOException($"verify {copy.Source} -> {copy.Target}: rsync exit {result.ExitCode}: {result.StandardError.Trim()}");
        // Measured: for a faithful copy rsync prints nothing at all, not even "./" or directory
        // lines, so every line is a difference.
        var differences = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        differences.AddRange(FdTree.RootSetIdFilesNotRootsInSource(source, target, copy.Target));
        return differences;
    }

    public IReadOnlyList<string> DescribeCopy(Core.Host.TreeCopy copy)
    {
        // The probe CopyTreeAsync makes, on the target's parent; when that is still to be made (a
        // plan ahead of a new dataset), on its nearest existing ancestor.
        using var root = _tree.OpenRoot();
        var (acls, xattrs) = (false, false);
        for (var directory = HostTree.Normalize(copy.Target); directory != "/";)
        {
            directory = Path.GetDirectoryName(directory)!;
            try
            {
                using var fd = _tree.OpenDirectory(root, directory);
                (acls, xattrs) = Probe(fd);
                break;
            }
            catch (FileNotFoundException)
            {
            }
        }
        return RsyncCommand.Copy(_paths.ToLocal(copy.Source), _paths.ToLocal(copy.Target),
            copy.CompareWith is null ? null : _paths.ToLocal(copy.CompareWith), acls, xattrs, copy.WithoutOverlayMarks);
    }

    /// <summary>
    /// Whether the file system of <paramref name="directory"/> keeps POSIX ACLs and xattrs: set one
    /// of each on an O_TMPFILE there (an unnamed file that is gone at close, so the probe changes
    /// nothing anyone can see). Without O_TMPFILE (zfs-fuse) a read tells xattrs apart (ENODATA:
    /// supported, EOPNOTSUPP: not); it cannot tell ACLs (Linux answers ENODATA for an ACL on a file
    /// system without them: measured on zfs-fuse), so they count as supported only with xattrs.
    /// A wrong "yes" fails the copy loudly (rsync exit 23); a wrong "no" refuses a source that has them.
    /// </summary>
    private static (bool Acls, bool Xattrs) Probe(Fd directory)
    {
        var fd = Native.Openat(directory.Value, ".", Native.OTmpFile | Native.ORdWr | Native.OCloExec, Native.Mode0600);
        if (fd >= 0)
        {
            using var probe = new Fd(fd);
            return (Sets(probe, AclName, MinimalAcl), Sets(probe, ProbeName, [1]));
        }
        using var readable = directory.OpenAt(".", Native.ORdOnly | Native.ODirectory, "(probe)");
        var xattrs = Native.Fgetxattr(readable.Value, ProbeName, null, 0) >= 0 || Native.LastErrno != Errno.EOpNotSupp;
        return (xattrs, xattrs);
    }

    private static bool Sets(Fd file, string name, byte[] value) =>
        Native.Fsetxattr(file.Value, name, value, value.Length, 0) == 0;

    /// <summary>
    /// Refuses, before anything is copied, a source holding ACLs or xattrs the target cannot keep:
    /// the copy would silently lose access controls (and file capabilities).
    /// </summary>
    private static void RefuseLostAttributes(Fd source, Core.Host.TreeCopy copy, bool acls, bool xattrs)
    {
        if (acls && xattrs) return;
        string? lost = null;
        using (var top = source.OpenAt(".", Native.ORdOnly | Native.ODirectory, copy.Source))
            lost = Lost(XattrNames(Native.Flistxattr(top.Value, null, 0), b => Native.Flistxattr(top.Value, b, b.Length)), copy, acls, xattrs) is { } n ? $"./ ({n})" : null;
        if (lost is null)
        {
            FdTree.Walk(source, copy.Source, (relative, directory, name, _) =>
            {
                if (lost is not null) return;
                var path = $"/proc/self/fd/{directory.Value}/{name}";
                if (Lost(XattrNames(Native.Llistxattr(path, null, 0), b => Native.Llistxattr(path, b, b.Length)), copy, acls, xattrs) is { } n)
                    lost = $"{relative} ({n})";
            });
        }
        if (lost is not null)
            throw new IOException($"copy {copy.Source} -> {copy.Target}: the source holds " +
                $"{(xattrs ? "POSIX ACLs" : "extended attributes or ACLs")} the target's file system cannot keep, " +
                $"e.g. {lost}; copying would silently drop them", Errno.EOpNotSupp);
    }

    private static string? Lost(IEnumerable<string> names, Core.Host.TreeCopy copy, bool acls, bool xattrs) =>
        names.Where(n => !copy.WithoutOverlayMarks || !Core.Host.TreeCopy.OverlayXattrPrefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)))
            .FirstOrDefault(n => !xattrs || (!acls && n.StartsWith("system.posix_acl_", StringComparison.Ordinal)));

    private static string[] XattrNames(nint size, Func<byte[], nint> list)
    {
        if (size <= 0) return []; // none, or EOPNOTSUPP: a file system without xattrs has none
        var buffer = new byte[size];
        var length = list(buffer);
        return length <= 0 ? [] : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
