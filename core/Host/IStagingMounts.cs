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

    /// <summary>The tmpfs and overlay mounts under the host root, by target (host paths): what an undo or a recovery takes off.</summary>
    Task<IReadOnlyList<string>> ListStagingAsync(CancellationToken ct = default);

    /// <summary>The argv <see cref="MountTmpfsAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeTmpfs(string target, int sizeMiB);

    /// <summary>The argv <see cref="MountOverlayAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeOverlay(OverlayLayers layers, string target);
}

/// <summary>The three directories of an overlay, host paths.</summary>
public sealed record OverlayLayers(string Lower, string Upper, string Work);
