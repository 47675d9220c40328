namespace SnapUpgrade.Core.Engine;

/// <summary>
/// What tells the <see cref="HostWatcher"/> that the host may have changed, so it reads after a change
/// instead of every pace (issue 13): on OpenZFS the pool's event stream and the mount table.
/// Implementations live in infra; where there is none (zfs-fuse, the simulator) the watcher polls.
/// </summary>
public interface IHostChanges
{
    /// <summary>
    /// Follows the host until <paramref name="ct"/> is cancelled. The first change is
    /// <see cref="HostChange.IsResumed"/>: from its moment on nothing is missed (what happened before it was
    /// not followed). The stream ends, or throws, when following stopped (the follower died): the watcher
    /// then polls, and follows again later.
    /// </summary>
    IAsyncEnumerable<HostChange> FollowAsync(CancellationToken ct);
}

/// <summary>
/// Something on the host changed at <paramref name="At"/> (the host's wall clock: the kernel's time of a
/// ZFS event, or when the mount table was seen to move).
/// </summary>
/// <param name="Datasets">
/// When not empty, the change is confined to these datasets and what lies below them (a property set, a
/// snapshot taken, a file system mounted): reading them again is enough. Empty: anything may have
/// changed (a dataset made, destroyed, renamed or promoted; a pool event; events dropped).
/// </param>
/// <param name="IsResumed">Following (re)started: anything before <paramref name="At"/> may have been missed.</param>
public sealed record HostChange(DateTimeOffset At, IReadOnlyList<string> Datasets, bool IsResumed = false)
{
    /// <summary>Anything may have changed.</summary>
    public static HostChange Anything(DateTimeOffset at) => new(at, []);

    /// <summary>Following began now: what happened before is unknown.</summary>
    public static HostChange Resumed(DateTimeOffset at) => new(at, [], IsResumed: true);

    public bool IsConfined => Datasets.Count > 0;
}
