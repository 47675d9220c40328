using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Staging;

/// <summary>How a staged entry differs from the base (the shared data as it was when staging began).</summary>
public enum StagedKind
{
    /// <summary>Absent in the base (a directory: made, and its entries follow as their own changes).</summary>
    Added,

    /// <summary>A regular file in both, same mode and owners; the staged bytes start with the base bytes and go on.</summary>
    Appended,

    /// <summary>Any other difference of content, kind, link target, mode or owners.</summary>
    Changed,

    /// <summary>A whiteout, or an entry of the base that an opaque directory hides.</summary>
    Deleted,
}

/// <summary>
/// One entry of a staged tree that differs from the base.
/// </summary>
/// <param name="Path">Relative to the staged root and the base root, "/"-separated ("log/dpkg.log").</param>
/// <param name="Type">What the staged entry is; for a deletion, what the base held.</param>
/// <param name="BaseSize">For <see cref="StagedKind.Appended"/>: where the appended part starts.</param>
/// <param name="LinkTarget">For a link: its target as written (never followed).</param>
/// <param name="Special">For a FIFO, socket or device: which (recreated as that kind, never read).</param>
public sealed record StagedChange(string Path, StagedKind Kind, FileKind Type, long BaseSize = 0, string? LinkTarget = null,
    SpecialFile? Special = null);

/// <summary>
/// What a package run wrote into the shared directories, read from the upper layers overlayfs left
/// (<paramref name="Upper"/>, e.g. <c>/var/.snapupgrade/staged</c> holding <c>log</c>, <c>spool</c>...)
/// against the read-only base the overlays had as lower layer (<paramref name="Base"/>, the shared
/// dataset's snapshot taken at staging time, at a host path). Changes are in apply order: a
/// directory before its entries, a deleted directory after its entries.
/// </summary>
public sealed record StagedChanges(string Upper, string Base, IReadOnlyList<StagedChange> Changes)
{
    /// <summary>The xattrs overlayfs marks an opaque directory with (privileged, and with userxattr).</summary>
    public static readonly string[] OpaqueXattrs = ["trusted.overlay.opaque", "user.overlay.opaque"];

    /// <summary>The xattrs of a "whiteout" that is a zero-size regular file (overlayfs' xwhiteouts).</summary>
    public static readonly string[] WhiteoutXattrs = ["trusted.overlay.whiteout", "user.overlay.whiteout"];

    /// <summary>
    /// The xattrs of overlayfs features whose upper entries do not stand on their own: a metacopy
    /// file holds metadata only (its bytes stay in the lower layer), a redirected directory is a
    /// lower one renamed. Staging mounts use <c>metacopy=off,redirect_dir=off</c>; a tree holding
    /// them is refused whole rather than read wrong (a metacopy file would read as emptied).
    /// </summary>
    public static readonly string[] UnsupportedXattrs =
        ["trusted.overlay.metacopy", "user.overlay.metacopy", "trusted.overlay.redirect", "user.overlay.redirect"];

    /// <summary>
    /// Walks <paramref name="upper"/> through <paramref name="files"/> (no link is ever followed;
    /// special files are looked at with lstat only) and classifies each entry against
    /// <paramref name="base"/>. Every name in the tree is a staged write, dot names included: the apply's journal is
    /// kept beside the tree (<see cref="StagedApply.JournalBeside"/>).
    /// </summary>
    /// <param name="recordedOpaque">
    /// Paths (relative to <paramref name="upper"/>) of directories the finish recorded as opaque
    /// (<see cref="OpaqueRecord"/>) before a copy that lost their marks: each is read as if it carried
    /// the mark. A path that is not a directory of the staged tree means nothing: it is only ever
    /// compared with the paths the walk meets, never opened.
    /// </param>
    public static StagedChanges Read(IHostFiles files, string upper, string @base, IReadOnlySet<string>? recordedOpaque = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var changes = new List<StagedChange>();
        new Reader(files, upper.TrimEnd('/'), @base.TrimEnd('/'), recordedOpaque ?? new HashSet<string>(), changes)
            .Directory("", baseIsDirectory: true, opaque: false);
        return new StagedChanges(upper, @base, changes);
    }

    /// <summary>Whether the directory at <paramref name="path"/> carries overlayfs' opaque mark (its own xattr, never a link's target's).</summary>
    public static bool IsMarkedOpaque(IHostFiles files, string path)
    {
        ArgumentNullException.ThrowIfNull(files);
        return OpaqueXattrs.Any(x => files.GetXattr(path, x) is [(byte)'y']);
    }

    private sealed class Reader(IHostFiles files, string upper, string @base, IReadOnlySet<string> recordedOpaque, List<StagedChange> changes)
    {
        public void Directory(string rel, bool baseIsDirectory, bool opaque)
        {
            var names = files.List(Join(upper, rel));
            foreach (var name in names) Entry(Join(rel, name), baseIsDirectory, opaque);
            // An opaque directory hides everything the base had in it: what the upper lacks was deleted.
            if (opaque && baseIsDirectory)
            {
                var present = names.ToHashSet(StringComparer.Ordinal);
                foreach (var name in files.List(Join(@base, rel)).Where(n => !present.Contains(n)))
                    Deleted(Join(rel, name));
            }
        }

        private void Entry(string rel, bool baseParentIsDirectory, bool opaque)
        {
            var staged = files.Stat(Join(upper, rel))!;
            if (staged.Kind is FileKind.File or FileKind.Directory
                && UnsupportedXattrs.FirstOrDefault(x => files.GetXattr(Join(upper, rel), x) is not null) is { } feature)
                throw new InvalidDataException($"{Join(upper, rel)} carries {feature}: the overlay was mounted with " +
                    "metacopy or redirect_dir on, so the staged tree does not hold whole entries; nothing was read.");
            var was = baseParentIsDirectory ? files.Stat(Join(@base, rel)) : null;
            if (IsWhiteout(rel, staged))
            {
                if (was is not null) Deleted(rel);
                return;
            }
            if (staged.Kind == FileKind.Directory)
            {
                var hides = opaque || recordedOpaque.Contains(rel) || IsMarkedOpaque(files, Join(upper, rel));
                if (was?.Kind != FileKind.Directory)
                {
                    // A directory where the base had nothing, or something else: the other is kept live
                    // unless it is deleted by its own rule; the directory itself is this change.
                    changes.Add(new StagedChange(rel, was is null ? StagedKind.Added : StagedKind.Changed, FileKind.Directory));
                    Directory(rel, baseIsDirectory: false, hides);
                    return;
                }
                Directory(rel, baseIsDirectory: true, hides);
                return;
            }
            var target = staged.Kind == FileKind.Symlink ? files.ReadLink(Join(upper, rel)) : null;
            if (was is null)
            {
                changes.Add(new StagedChange(rel, StagedKind.Added, staged.Kind, LinkTarget: target, Special: staged.Special));
                return;
            }
            if (Entries.Same(files, Join(upper, rel), staged, Join(@base, rel), was)) return;
            var appended = Entries.IsAppended(files, Join(upper, rel), staged, Join(@base, rel), was);
            changes.Add(new StagedChange(rel, appended ? StagedKind.Appended : StagedKind.Changed, staged.Kind,
                appended ? was.Size : 0, target, staged.Special));
        }

        /// <summary>The base entry and, for a directory, everything below it (entries first).</summary>
        private void Deleted(string rel)
        {
            var was = files.Stat(Join(@base, rel))!;
            if (was.Kind == FileKind.Directory)
                foreach (var name in files.List(Join(@base, rel))) Deleted(Join(rel, name));
            changes.Add(new StagedChange(rel, StagedKind.Deleted, was.Kind, was.Kind == FileKind.File ? was.Size : 0,
                was.Kind == FileKind.Symlink ? files.ReadLink(Join(@base, rel)) : null, was.Special));
        }

        private bool IsWhiteout(string rel, FileStatus staged) =>
            staged.Special?.IsWhiteout == true
            || (staged is { Kind: FileKind.File, Size: 0 } && WhiteoutXattrs.Any(x => files.GetXattr(Join(upper, rel), x) is not null));
    }

    internal static string Join(string root, string rel) => rel.Length == 0 ? root : root.Length == 0 ? rel : $"{root}/{rel}";
}
