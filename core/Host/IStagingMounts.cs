namespace SnapUpgrade.Core.Host;

/// <summary>
/// The mounts of an upgrade's staging (ADR 0026), by host path: a size-limited tmpfs in the console's
/// private directory for the overlays' upper layers, and an overlay over each shared directory of the
/// new BE's alternate root whose lower layer is the read-only base (a clone of the shared dataset's
/// snapshot). Every path is resolved without following a link, as <see cref="IMounts"/> does; both
/// kinds come off with <see cref="IMounts.UnmountAsync"/>. Implementation: <c>LinuxMounts</c>.
/// </summary>
public interface IStagingMounts
{
    /// <summary>A tmpfs at <paramref name="target"/> (an existing directory): mode 0700, <paramref name="sizeMiB"/> MiB at most, nosuid,nodev,noexec.</summary>
    Task MountTmpfsAsync(string target, int sizeMiB, CancellationToken ct = default);

    /// <summary>
    /// An overlay at <paramref name="target"/> (an existing directory): reads see the upper over
    /// the lower, every write lands in the upper (whole files copied up, deletions
    /// as whiteouts, replaced directories marked opaque); the work directory is overlayfs' own empty
    /// directory on the same file system as the upper. nosuid,nodev; no redirects or metadata-only copies,
    /// so the upper tree holds every change as plain files, whiteouts and opaque marks.
    /// </summary>
    Task MountOverlayAsync(OverlayLayers layers, string target, CancellationToken ct = default);

    /// <summary>
    /// A fresh proc at <paramref name="target"/> (an existing directory: an alternate root's <c>/proc</c>),
    /// nosuid,nodev,noexec: what a package command run by <c>chroot</c> reads (apt, dpkg's scripts).
    /// </summary>
    Task MountProcAsync(string target, CancellationToken ct = default);

    /// <summary>
    /// A read-only sysfs at <paramref name="target"/> (an existing directory: an alternate root's <c>/sys</c>),
    /// nosuid,nodev,noexec: what package scripts read there (update-initramfs, grub-probe, udev's and systemd's
    /// checks) and nothing they can write.
    /// </summary>
    Task MountSysAsync(string target, CancellationToken ct = default);

    /// <summary>
    /// A private <c>/dev</c> at <paramref name="target"/> (an existing directory of an alternate root): a small
    /// tmpfs (nosuid,noexec) holding only the nodes a package command needs (<see cref="DevNodes"/>, 0666), the
    /// links to its own fds, and an empty <c>pts</c> for <see cref="MountPtsAsync"/>. Never the host's /dev:
    /// nothing a package script does reaches a host disk through it.
    /// </summary>
    Task MountDevAsync(string target, CancellationToken ct = default);

    /// <summary>A new devpts instance at <paramref name="target"/> (the private /dev's <c>pts</c>): ptys for apt and dpkg, none of the host's.</summary>
    Task MountPtsAsync(string target, CancellationToken ct = default);

    /// <summary>The tmpfs, overlay, proc, sysfs and devpts mounts under the host root, by target (host paths): what an undo or a recovery takes off.</summary>
    Task<IReadOnlyList<string>> ListStagingAsync(CancellationToken ct = default);

    /// <summary>The argv <see cref="MountProcAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeProc(string target);

    /// <summary>The argv <see cref="MountSysAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeSys(string target);

    /// <summary>The argv <see cref="MountDevAsync"/> runs (its commands joined by "&amp;&amp;"), for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeDev(string target);

    /// <summary>The argv <see cref="MountPtsAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribePts(string target);

    /// <summary>The character devices of a private /dev: name, major, minor.</summary>
    static readonly IReadOnlyList<(string Name, int Major, int Minor)> DevNodes =
        [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

    /// <summary>The links of a private /dev: name, target.</summary>
    static readonly IReadOnlyList<(string Name, string Target)> DevLinks =
        [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx")];

    /// <summary>The argv <see cref="MountTmpfsAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeTmpfs(string target, int sizeMiB);

    /// <summary>The argv <see cref="MountOverlayAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeOverlay(OverlayLayers layers, string target);
}

/// <summary>The three directories of an overlay, host paths.</summary>
public sealed record OverlayLayers(string Lower, string Upper, string Work);
