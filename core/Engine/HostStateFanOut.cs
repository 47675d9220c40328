using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The subscribers of an <see cref="IHostStateStream"/> and the last state and read error they were
/// given. A new subscriber gets the current ones at once, under the lock every later push takes, so no
/// newer value overtakes its first one; one subscriber's exception is logged, never passed on to the
/// others or to the reader. Shared by the engine's <see cref="HostWatcher"/> and the web role's stream.
/// </summary>
public sealed partial class HostStateFanOut(ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly List<Action<HostState>> _onChange = [];
    private readonly List<Action<string?>> _onError = [];
    private string? _fingerprint;
    private int _watchers;

    public HostState? Current { get; private set; }
    public string? Error { get; private set; }

    /// <summary>How many subscribers watch now (IHostStateStream.Subscribe with watching).</summary>
    public int Watchers => Volatile.Read(ref _watchers);

    public IDisposable Subscribe(Action<HostState> onChange, bool watching)
    {
        lock (_gate)
        {
            _onChange.Add(onChange);
            if (watching) _watchers++;
            if (Current is { } current) Deliver(onChange, current);
        }
        return new Subscription(() =>
        {
            lock (_gate)
            {
                _onChange.Remove(onChange);
                if (watching) _watchers--;
            }
        });
    }

    public IDisposable SubscribeErrors(Action<string?> onError)
    {
        lock (_gate)
        {
            _onError.Add(onError);
            if (Error is { } error) Deliver(onError, error);
        }
        return new Subscription(() => { lock (_gate) _onError.Remove(onError); });
    }

    /// <summary>
    /// Pushes <paramref name="error"/> when it differs from the last one, then <paramref name="state"/>
    /// when there is one, unless <paramref name="compare"/> and it shows what the last pushed showed
    /// (<see cref="HostWatcher.Fingerprint"/>). Then only its newer read time is taken: <see cref="Current"/> keeps
    /// the lists of the state pushed (issue 13: a page that subscribes later holds the same BEs as the pages before
    /// it, not a copy of its own; at 1000 BEs x 10 snapshots a copy is about 20 MB). The last pushed state's
    /// fingerprint is worked out when a comparison first needs it: a state the engine made by changing the host is
    /// pushed without one (a fingerprint hashes the state's JSON, about 10 MB and 8 ms at 1000 BEs).
    /// </summary>
    public void Publish(HostState? state = null, string? error = null, bool compare = false)
    {
        lock (_gate)
        {
            if (error != Error)
            {
                Error = error;
                foreach (var onError in _onError.ToArray()) Deliver(onError, error);
            }
            if (state is null) return;
            string? fingerprint = null;
            if (compare && Current is { } current)
            {
                fingerprint = HostWatcher.Fingerprint(state);
                if (fingerprint == (_fingerprint ??= HostWatcher.Fingerprint(current)))
                {
                    Current = current with { ReadAt = state.ReadAt }; // how fresh it is, even when nothing changed
                    return;
                }
            }
            _fingerprint = fingerprint;
            Current = state;
            foreach (var onChange in _onChange.ToArray()) Deliver(onChange, state);
        }
    }

    private void Deliver<T>(Action<T> callback, T value)
    {
        try { callback(value); }
        catch (Exception ex) { LogSubscriberFailed(logger, ex); }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A host state subscriber failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception ex);
}
