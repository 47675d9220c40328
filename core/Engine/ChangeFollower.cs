using Microsoft.Extensions.Logging;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Follows an <see cref="IHostChanges"/> for the <see cref="HostWatcher"/> while it is wanted (a page or a
/// lease watches), starts it again when it ends (after 1 s, doubling to a minute), and gathers what it
/// reports into one <see cref="ChangeBatch"/>: what the watcher reads next. Changes stamped while the
/// engine changed the host (<see cref="IEngine.WasChanging"/>) are its own and dropped here: what the
/// engine knows after its change already holds them.
/// </summary>
internal sealed partial class ChangeFollower(IHostChanges source, Func<IEngine> engine, Action wake, ILogger logger)
{
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan LastBackoff = TimeSpan.FromMinutes(1);
    /// <summary>How long a start may take to say it follows before the watcher polls meanwhile.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    // One per start (Want(true) after nobody wanted it); a run that ended late changes nothing of a newer one.
    private Run? _run;
    private ChangeBatch? _pending;

    /// <summary>Following now, since <see cref="LiveSince"/> (Environment.TickCount64): nothing after that is missed.</summary>
    public bool IsLive => Volatile.Read(ref _run) is { LiveSince: > 0 };

    public long LiveSince => Volatile.Read(ref _run)?.LiveSince ?? 0;

    /// <summary>Started, not yet following, and within <see cref="StartGrace"/>: the watcher waits for it instead of polling.</summary>
    public bool IsStarting => Volatile.Read(ref _run) is { LiveSince: 0, Failed: false } run
        && Environment.TickCount64 - run.StartedAt < StartGrace.TotalMilliseconds;

    /// <summary>Milliseconds until <see cref="IsStarting"/> ends by itself (0 when it is not starting).</summary>
    public long StartingFor => Volatile.Read(ref _run) is { LiveSince: 0, Failed: false } run
        ? Math.Max(0, run.StartedAt + (long)StartGrace.TotalMilliseconds - Environment.TickCount64)
        : 0;

    /// <summary>Starts following when <paramref name="wanted"/> and not following; stops when not.</summary>
    public void Want(bool wanted, CancellationToken stopping)
    {
        Run? stopped = null;
        lock (_gate)
        {
            if (wanted && _run is null)
            {
                var run = new Run(CancellationTokenSource.CreateLinkedTokenSource(stopping));
                _run = run;
                run.Task = FollowAsync(run);
            }
            else if (!wanted && _run is { } running)
            {
                _run = null;
                stopped = running;
            }
        }
        stopped?.Cancel(); // outside the lock: cancelling runs the follower's callbacks
    }

    /// <summary>What was reported and not read yet (null: nothing).</summary>
    public ChangeBatch? Pending
    {
        get { lock (_gate) return _pending; }
    }

    /// <summary>Takes what is pending: the read about to begin covers it. Give it back when that read did not count.</summary>
    public ChangeBatch? Take()
    {
        lock (_gate)
        {
            var taken = _pending;
            _pending = null;
            return taken;
        }
    }

    /// <summary>What a read that did not count (failed, or read while the engine changed the host) had taken.</summary>
    public void GiveBack(ChangeBatch? taken)
    {
        if (taken is null) return;
        lock (_gate) _pending = _pending is null ? taken : _pending.With(taken);
    }

    /// <summary>Stops following and waits for the follower to end.</summary>
    public async Task StopAsync()
    {
        Run? run;
        lock (_gate)
        {
            run = _run;
            _run = null;
        }
        if (run is null) return;
        run.Cancel();
        if (run.Task is { } task) await task;
    }

    private async Task FollowAsync(Run run)
    {
        await Task.Yield(); // never under the caller's lock
        var ct = run.Stop.Token;
        var backoff = FirstBackoff;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                run.Restart();
                try
                {
                    await foreach (var change in source.FollowAsync(ct).WithCancellation(ct))
                    {
                        if (change.IsResumed) backoff = FirstBackoff;
                        Add(run, change);
                    }
                    LogEnded(logger, backoff.TotalSeconds);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogFailed(logger, backoff.TotalSeconds, ex);
                }
                run.Failed = true;
                run.LiveSince = 0;
                wake(); // it polls until following again
                try { await Task.Delay(backoff, ct); }
                catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LastBackoff.Ticks));
            }
        }
        finally
        {
            run.LiveSince = 0;
            run.Stop.Dispose();
        }
    }

    private void Add(Run run, HostChange change)
    {
        if (!change.IsResumed && engine().WasChanging(change.At)) return;
        lock (_gate)
        {
            if (_run != run) return;
            var now = Environment.TickCount64;
            var batch = new ChangeBatch(!change.IsConfined, new HashSet<string>(change.Datasets, StringComparer.Ordinal), now, now,
                change.IsResumed);
            _pending = _pending is null ? batch : _pending.With(batch);
            // Live and the read it asks for become visible together: never live with that read unasked.
            if (change.IsResumed) run.LiveSince = now;
        }
        wake();
    }

    private sealed class Run(CancellationTokenSource stop)
    {
        public CancellationTokenSource Stop { get; } = stop;
        public Task? Task { get; set; }
        public long StartedAt { get; private set; } = Environment.TickCount64;
        private long _liveSince;
        public long LiveSince
        {
            get => Volatile.Read(ref _liveSince);
            set => Volatile.Write(ref _liveSince, value);
        }
        private volatile bool _failed;
        public bool Failed
        {
            get => _failed;
            set => _failed = value;
        }

        /// <summary>Stops it; it may have stopped already (the host stopping cancels it too, and it disposes its source when it ends).</summary>
        public void Cancel()
        {
            try { Stop.Cancel(); }
            catch (ObjectDisposedException) { }
        }

        public void Restart()
        {
            StartedAt = Environment.TickCount64;
            Failed = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the host's changes ended; polling, and following again in {Seconds} s")]
    private static partial void LogEnded(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the host's changes failed; polling, and following again in {Seconds} s")]
    private static partial void LogFailed(ILogger logger, double seconds, Exception ex);
}

/// <summary>
/// Changes reported and not read yet: <see cref="Anything"/>, or only <see cref="Datasets"/> (each with what
/// lies below it); when the first and the last arrived (Environment.TickCount64), to let a burst settle.
/// <see cref="Resumed"/>: following began, and what happened before is unknown: read at once (the events
/// buffered before are not reported, nothing is coming to settle).
/// </summary>
internal sealed record ChangeBatch(bool Anything, IReadOnlySet<string> Datasets, long FirstAt, long LastAt, bool Resumed = false)
{
    public ChangeBatch With(ChangeBatch other) => new(Anything || other.Anything,
        Anything || other.Anything ? new HashSet<string>() : new HashSet<string>([.. Datasets, .. other.Datasets], StringComparer.Ordinal),
        Math.Min(FirstAt, other.FirstAt), Math.Max(LastAt, other.LastAt), Resumed || other.Resumed);
}
