using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The live host: the initial state plus a stream of changes. One watcher per host reads
/// <see cref="IEngine.GetStateAsync"/> on an interval and pushes only real changes, so no page polls ZFS.
/// </summary>
public interface IHostStateStream
{
    /// <summary>The last state read, or null before the first read.</summary>
    HostState? Current { get; }

    /// <summary>Why the last read failed, or null when it succeeded.</summary>
    string? Error { get; }

    /// <summary>
    /// Calls <paramref name="onChange"/> at once with <see cref="Current"/> when known, then on every
    /// change. Callbacks come from a background thread: a component re-renders through InvokeAsync.
    /// Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(Action<HostState> onChange);

    /// <summary>Like <see cref="Subscribe"/>, for read failures (called with the message; null when reads work again).</summary>
    IDisposable SubscribeErrors(Action<string?> onError);

    /// <summary>Re-read now (after an operation, or a Refresh click) instead of waiting for the interval.</summary>
    void Nudge();
}
