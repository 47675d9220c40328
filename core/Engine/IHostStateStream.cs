using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The live host: the initial state plus a stream of changes. One watcher per host reads
/// <see cref="IEngine.GetStateAsync"/> while someone watches and pushes only real changes, so no page
/// and no API read polls ZFS itself.
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
    /// A subscriber <b>watches</b>: while it is subscribed the host is read every interval (a page).
    /// Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(Action<HostState> onChange) => Subscribe(onChange, watching: true);

    /// <summary>
    /// Like the other Subscribe; with <paramref name="watching"/> false the
    /// subscriber only hears the states that are read anyway (after the console's own changes, or for
    /// someone who watches) and costs no read of its own (the trial watch, the engine's state stream).
    /// </summary>
    IDisposable Subscribe(Action<HostState> onChange, bool watching);

    /// <summary>
    /// The latest state for a reader (the API's GETs): the last read while it is fresh (nothing changed
    /// through the engine since it, and not older than the watcher's pace), else a new read that
    /// concurrent callers share. Never a listing of its own per call. Throws when the read fails.
    /// </summary>
    Task<HostState> LatestAsync(CancellationToken ct = default);

    /// <summary>Like the subscriptions to states, for read failures (called with the message; null when reads work again).</summary>
    IDisposable SubscribeErrors(Action<string?> onError);

    /// <summary>Re-read now (after an operation, or a Refresh click) instead of waiting for the interval.</summary>
    void Nudge();
}
