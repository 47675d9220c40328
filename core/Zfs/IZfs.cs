namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// The ZFS port: everything the engine does to datasets goes through here.
/// Implementations: <c>ZfsCli</c> (zfs/zpool as argv) and <c>SimulatedZfs</c> (the embedded default).
/// Invariants every implementation keeps (proved by one contract suite):
/// <list type="bullet">
/// <item><see cref="ListAsync"/> reads the whole pool, and <see cref="ReadAsync"/> only a scope of it, each with a
/// constant number of processes/calls.</item>
/// <item>Every path crossing this port is a <b>host path</b>: mountpoints are reported and taken
/// relative to the pool's altroot, exactly as they would read on the booted host.</item>
/// <item>A failing command throws <see cref="ZfsCommandException"/> and leaves the pool as it was
/// (zfs itself is atomic per command, except where <see cref="ZfsCapabilities"/> says otherwise).</item>
/// </list>
/// </summary>
public interface IZfs
{
    /// <summary>What this backend can do (differences between OpenZFS 2.x and zfs-fuse).</summary>
    ZfsCapabilities Capabilities { get; }

    /// <summary>The pool and every file system and snapshot in it, with the properties the console needs.</summary>
    Task<PoolListing> ListAsync(string pool, CancellationToken ct = default);

    /// <summary>
    /// The pool and only the datasets of <paramref name="scope"/>, as <see cref="ListAsync"/> would show
    /// them; what does not exist is left out. What an operation reads before and after it runs.
    /// </summary>
    Task<PoolListing> ReadAsync(string pool, ReadScope scope, CancellationToken ct = default);

    /// <summary>Runs one command. Throws <see cref="ZfsCommandException"/> when zfs refuses it.</summary>
    Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default);
}

/// <param name="Name">e.g. "OpenZFS 2.2.2" or "zfs-fuse".</param>
/// <param name="MultiSnapshot">One <c>zfs snapshot a@s b@s</c> takes both atomically (OpenZFS); zfs-fuse takes one name per call.</param>
/// <param name="RenameRemountsClones">
/// <c>zfs rename</c> unmounts and remounts the clones of what it renames, so it fails "busy" while one
/// is in use, e.g. the booted BE cloned from it (zfs-fuse, and the simulator like it); OpenZFS 2.x
/// leaves the clones mounted and renames (measured in the OpenZFS lane).
/// </param>
/// <param name="EventStream">
/// The pool reports its changes as events (<c>zpool events -f</c>: OpenZFS; the simulator reports its own,
/// <c>SimulatedZfs.FollowAsync</c>); zfs-fuse has no <c>zpool events</c>: there the watcher polls (ADR 0023).
/// </param>
/// <param name="ReleasesAfterUnmount">
/// An unmounted file system is let go of later, not when <c>zfs unmount</c> returns: zfs-fuse's daemon gives
/// the dataset up only once its FUSE session has ended (<c>zfsfuse_destroy</c>, on the session's own thread), and a
/// <c>zfs mount</c> of it before then fails "mountpoint or dataset is busy"; the session also lives on while any
/// other mount namespace holds a copy of the mount. OpenZFS unmounts in the kernel, at once.
/// </param>
public sealed record ZfsCapabilities(string Name, bool MultiSnapshot, bool RenameRemountsClones = true, bool EventStream = false,
    bool ReleasesAfterUnmount = false);
