using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The one watcher of this host: reads the state (one listing) and pushes it to the subscribers only
/// when something they show changed. Changes made by `zfs` by hand show up the same way as changes
/// made through the console. It reads only when someone may need it (issue 13):
/// <list type="bullet">
/// <item>once at start;</item>
/// <item>after the engine changed the host (its <see cref="IEngine.Activity"/> moved), once: what the
/// engine knows after its operation (<see cref="IEngine.GetKnownStateAsync"/>: the last listing with what
/// the operation touched read again), not a listing of the pool;</item>
/// <item>while someone watches (a page's subscription, a web process's <see cref="KeepWatching"/>
/// lease): where the host reports its changes (<see cref="IHostChanges"/>: OpenZFS's event stream and
/// the mount table, ADR 0023), after each change, a burst settled into one read, and what the change
/// names read alone where it names datasets; plus a safety listing every <c>safetyRead</c>. Elsewhere
/// (zfs-fuse, the simulator, or while following is down) every interval, where the interval grows
/// with the cost of a read: a read of <c>d</c> is followed by at least <see cref="ReadCostFactor"/> x
/// <c>d</c> of rest, so reading never takes more than about 1/(1+<see cref="ReadCostFactor"/>) of the
/// ZFS daemon's time (listings after changes keep that pace too);</item>
/// <item>when a reader asks for the latest state (<see cref="LatestAsync"/>) and the last read is
/// not known to be current.</item>
/// </list>
/// With nobody watching and nothing changed by the console, it does not read at all.
/// </summary>
/// <param name="changes">What reports the host's changes, asked once when the watcher starts (after the engine did); null: poll.</param>
/// <param name="safetyRead">While following changes, the longest time between listings (default <see cref="DefaultSafetyRead"/>).</param>
/// <param name="settle">How long a burst of changes has to be quiet before it is read (default <see cref="DefaultSettle"/>).</param>
public sealed partial class HostWatcher(Func<IEngine> engine, TimeSpan interval, ILogger<HostWatcher> logger,
    Func<IHostChanges?>? changes = null, TimeSpan? safetyRead = null, TimeSpan? settle = null)
    : BackgroundService, IHostStateStream
{
    /// <summary>Rest after a read, as a multiple of the read's own time (1000 BEs on zfs-fuse: about 4 s a read, 80 s apart).</summary>
    public const int ReadCostFactor = 20;

    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly HostStateFanOut _subscribers = new(logger);
    private readonly Lock _gate = new();
    // Completed by the next read that ends (with its state, or its failure); replaced at each.
    private TaskCompletionSource<HostState> _nextRead = NewRead();
    private int _waiting;
    private long _leaseUntil;
    // The engine's activity when the last pushed or confirmed state was read (-1: never).
    private long _readActivity = -1;
    // When that state was read (Environment.TickCount64: the engine's clock may be a test's fixed one).
    private long _readAt;
    // When the last read began, good or not: the pace counts from it (a failing read is not retried at once).
    private long _triedAt;
    // When the last listing that counted began: while following, the safety read counts from it.
    private long _listedAt;
    private TimeSpan _lastReadTook;
    private int _forced;
    // Set when the loop starts (the engine, and so the backend, exist then); null: polling only.
    private ChangeFollower? _follower;
    private readonly TimeSpan _safetyRead = safetyRead ?? DefaultSafetyRead;
    private readonly TimeSpan _settle = settle ?? DefaultSettle;

    public const string IntervalKey = "SnapUpgrade:WatchIntervalMs";
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(1000);
    public const string SafetyReadKey = "SnapUpgrade:SafetyReadSeconds";
    public static readonly TimeSpan DefaultSafetyRead = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultSettle = TimeSpan.FromMilliseconds(200);
    /// <summary>More datasets than this named by a burst of changes are read as a listing.</summary>
    public const int MaxScopedDatasets = 64;

    public HostState? Current => _subscribers.Current;
    public string? Error => _subscribers.Error;

    /// <summary>The time between reads while someone watches: the interval, or more when reads are slow.</summary>
    public TimeSpan Pace => TimeSpan.FromTicks(Math.Max(interval.Ticks, _lastReadTook.Ticks * ReadCostFactor));

    /// <summary>Whether anyone keeps this watcher reading now: a watching subscriber, a lease, or a reader waiting.</summary>
    public bool Watched => Follows || Volatile.Read(ref _waiting) > 0;

    /// <summary>Whether the host's changes are followed now: a page or a lease watches (a reader waiting alone reads once instead).</summary>
    private bool Follows => _subscribers.Watchers > 0 || LeaseLeft > 0;

    private long LeaseLeft => Interlocked.Read(ref _leaseUntil) - Environment.TickCount64;

    /// <summary>Whether the host's changes are followed now (OpenZFS while someone watches), not polled.</summary>
    public bool Following => _follower is { IsLive: true };

    /// <summary>Whether the host reported changes that no read has covered yet (a read of them under way has not yet).</summary>
    public bool ChangesPending => _follower?.Pending is not null || Volatile.Read(ref _readingTaken) > 0;

    // Reads under way of changes taken from the follower: until they end, those changes are not covered.
    private int _readingTaken;

    public IDisposable Subscribe(Action<HostState> onChange) => Subscribe(onChange, watching: true);

    public IDisposable Subscribe(Action<HostState> onChange, bool watching)
    {
        var subscription = _subscribers.Subscribe(onChange, watching);
        if (!watching) return subscription;
        Wake();
        return new Unsubscribe(() =>
        {
            subscription.Dispose();
            Wake(); // the last page gone: stop following
        });
    }

    private sealed class Unsubscribe(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    public IDisposable SubscribeErrors(Action<string?> onError) => _subscribers.SubscribeErrors(onError);

    /// <summary>
    /// Keeps the watcher reading for <paramref name="span"/> as if a page watched: what the web process
    /// asks for (and renews) while one of its own pages is open (ADR 0019: it watches through the engine).
    /// </summary>
    public void KeepWatching(TimeSpan span)
    {
        Interlocked.Exchange(ref _leaseUntil, Environment.TickCount64 + (long)span.TotalMilliseconds);
        Wake();
    }

    /// <summary>Reads now, whoever watches (an operation ended, Refresh, a reader waits).</summary>
    public void Nudge()
    {
        Interlocked.Exchange(ref _forced, 1);
        Wake();
    }

    /// <summary>Lets the loop look again at who watches: it reads when the last read is older than the pace.</summary>
    private void Wake()
    {
        try { _nudge.Release(); }
        catch (SemaphoreFullException) { } // it looks again anyway
        catch (ObjectDisposedException) { } // stopped: a follower's last word finds nobody to wake
    }

    /// <summary>
    /// The latest state: the last read when it is fresh (nothing changed through the engine since, and
    /// read within the pace: the interval, or longer when reads are slow, so an API client polling a large
    /// pool costs no more than a page does); otherwise the next read, which this call asks for. Concurrent
    /// callers share one read. Throws when that read fails.
    /// </summary>
    public async Task<HostState> LatestAsync(CancellationToken ct = default)
    {
        if (Current is { } current && IsCurrent()) return current;
        Interlocked.Increment(ref _waiting);
        try
        {
            Task<HostState> next;
            lock (_gate) next = _nextRead.Task;
            Nudge();
            return await next.WaitAsync(ct);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private bool IsFresh(TimeSpan maxAge) =>
        Current is not null && Interlocked.Read(ref _readActivity) == engine().Activity && Age < maxAge.TotalMilliseconds;

    /// <summary>
    /// Whether the last state still holds: following, since before the last listing, with nothing reported
    /// since and the safety read not due; polling, read within the pace.
    /// </summary>
    private bool IsCurrent() => _follower is { IsLive: true } follower
        ? IsFresh(_safetyRead) && follower.Pending is null && follower.LiveSince <= Interlocked.Read(ref _listedAt)
            && ListedAge < _safetyRead.TotalMilliseconds
        : IsFresh(Pace);

    /// <summary>Milliseconds since the last good read.</summary>
    private long Age => Environment.TickCount64 - Interlocked.Read(ref _readAt);

    /// <summary>Milliseconds since the last good listing began.</summary>
    private long ListedAge => Environment.TickCount64 - Interlocked.Read(ref _listedAt);

    /// <summary>Milliseconds since the last read began, good or not.</summary>
    private long SinceAttempt => Environment.TickCount64 - Interlocked.Read(ref _triedAt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _follower = ChangesOrNull() is { } source ? new ChangeFollower(source, engine, Wake, logger) : null;
        var first = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                _follower?.Want(Follows, stoppingToken);
                var forced = Interlocked.Exchange(ref _forced, 0) == 1;
                var moved = !first && Interlocked.Read(ref _readActivity) != engine().Activity;
                if (first || forced || moved)
                {
                    first = false;
                    await ReadOnceAsync(moved ? ReadKind.Known : ReadKind.Listing, stoppingToken);
                }
                else if (Watched && WatchedRead() is { } kind)
                {
                    await ReadOnceAsync(kind, stoppingToken);
                }
                try { await _nudge.WaitAsync(Rest(), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
        finally
        {
            if (_follower is { } follower) await follower.StopAsync();
        }
    }

    private IHostChanges? ChangesOrNull()
    {
        try
        {
            return changes?.Invoke();
        }
        catch (Exception ex)
        {
            LogNoChanges(logger, ex); // polling still shows the host
            return null;
        }
    }

    private enum ReadKind { Listing, Known, Changes }

    /// <summary>
    /// Whether a watched host is due a read now, and which. Following: after a reported change has settled
    /// (a listing no sooner than the pace after the last read began, what it names no sooner than the
    /// interval), else a listing when the safety read is due. Polling: a listing when the last read is
    /// older than the pace.
    /// </summary>
    private ReadKind? WatchedRead()
    {
        if (_follower is not { } follower || !(follower.IsLive || follower.IsStarting))
            return IsFresh(Pace) ? null : ReadKind.Listing;
        if (follower.IsStarting) return null; // it says when it follows, and that asks for a listing
        if (follower.Pending is { } pending) return UntilDue(pending) == 0 ? ReadKind.Changes : null;
        return SafetyDue == 0 ? ReadKind.Listing : null;
    }

    /// <summary>Milliseconds until <paramref name="pending"/> is read: settled, and paced like any read of its kind.</summary>
    private long UntilDue(ChangeBatch pending)
    {
        var now = Environment.TickCount64;
        var settle = (long)_settle.TotalMilliseconds;
        var settled = pending.Resumed ? 0 : Math.Min(pending.LastAt + settle, pending.FirstAt + 10 * settle) - now;
        var gap = (long)(ScopeOf(pending) is null ? Pace : interval).TotalMilliseconds - SinceAttempt;
        return Math.Max(0, Math.Max(settled, gap));
    }

    /// <summary>Milliseconds until the safety listing is due (a failed one is paced like any read).</summary>
    private long SafetyDue => Math.Max(0, Math.Max((long)_safetyRead.TotalMilliseconds - ListedAge, (long)Pace.TotalMilliseconds - SinceAttempt));

    /// <summary>How long to wait for a nudge before looking again.</summary>
    private TimeSpan Rest()
    {
        if (!Watched) return Timeout.InfiniteTimeSpan; // until a nudge, or a page opens
        long rest;
        if (_follower is { } follower && (follower.IsLive || follower.IsStarting))
        {
            rest = follower.IsStarting ? follower.StartingFor
                : follower.Pending is { } pending ? UntilDue(pending)
                : SafetyDue;
            if (_subscribers.Watchers == 0 && LeaseLeft > 0) rest = Math.Min(rest, LeaseLeft); // to stop following when it ends
        }
        else
        {
            rest = (long)Pace.TotalMilliseconds - SinceAttempt;
        }
        return TimeSpan.FromMilliseconds(Math.Max(1, rest));
    }

    /// <summary>
    /// What a batch of changes is read as: its datasets, each with what lies below it, when it names no more
    /// than <see cref="MaxScopedDatasets"/> and none is the pool itself; else (null) a listing.
    /// </summary>
    private static ReadScope? ScopeOf(ChangeBatch? batch) =>
        batch is { Anything: false, Datasets.Count: > 0 and <= MaxScopedDatasets } named
            && named.Datasets.All(d => d.Contains('/', StringComparison.Ordinal) || d.Contains('@', StringComparison.Ordinal))
            ? new ReadScope(named.Datasets, [])
            : null;

    /// <summary>One read (a listing): pushes the state when its fingerprint changed, or the error when the read failed.</summary>
    public Task ReadOnceAsync(CancellationToken ct = default) => ReadOnceAsync(ReadKind.Listing, ct);

    /// <param name="kind">
    /// A listing; after the engine's own change, what it knows (<see cref="IEngine.GetKnownStateAsync"/>); or
    /// the changes reported since the last read: what they name (<see cref="IEngine.RereadAsync"/>), or a listing.
    /// </param>
    private async Task ReadOnceAsync(ReadKind kind, CancellationToken ct)
    {
        // What the engine knows after its change says nothing of changes made by hand meanwhile: those stay pending.
        var taken = kind == ReadKind.Known ? null : _follower?.Take();
        if (taken is not null) Interlocked.Increment(ref _readingTaken);
        try
        {
            await ReadAsync(kind, taken, ct);
        }
        finally
        {
            if (taken is not null) Interlocked.Decrement(ref _readingTaken);
        }
    }

    /// <param name="taken">The changes this read covers (given back when it fails or is skipped).</param>
    private async Task ReadAsync(ReadKind kind, ChangeBatch? taken, CancellationToken ct)
    {
        HostState state;
        var current = engine();
        var activity = current.Activity;
        var started = Stopwatch.GetTimestamp();
        var startedAt = Environment.TickCount64;
        Interlocked.Exchange(ref _triedAt, startedAt);
        var scope = kind == ReadKind.Changes ? ScopeOf(taken) : null;
        var listing = kind == ReadKind.Listing || (kind == ReadKind.Changes && scope is null);
        try
        {
            state = kind == ReadKind.Known ? await current.GetKnownStateAsync(ct)
                : scope is not null ? await current.RereadAsync(scope, ct)
                : await current.GetStateAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _follower?.GiveBack(taken);
            return;
        }
        catch (Exception ex)
        {
            _follower?.GiveBack(taken);
            LogReadFailed(logger, ex);
            _subscribers.Publish(error: ex.Message);
            EndRead(r => r.TrySetException(ex));
            return;
        }
        if (listing) _lastReadTook = Stopwatch.GetElapsedTime(started); // the pace follows what a listing costs
        // A state read while the engine was changing the host (even a shared-health read's brief
        // mounts) may be a moment in between: skip it; the next read, or the nudge after the
        // operation, shows the settled host. Readers waiting for a read wait for that one (the
        // operation's end nudges; a health read's mounts end without one: then after the pace).
        if (activity % 2 == 1 || current.Activity != activity)
        {
            _follower?.GiveBack(taken);
            return;
        }
        // What the engine knows after its own change is a change: pushed without comparing (ADR 0022).
        _subscribers.Publish(state, compare: kind != ReadKind.Known);
        Interlocked.Exchange(ref _readAt, Environment.TickCount64);
        Interlocked.Exchange(ref _readActivity, activity);
        if (listing) Interlocked.Exchange(ref _listedAt, startedAt);
        EndRead(r => r.TrySetResult(state));
    }

    private void EndRead(Action<TaskCompletionSource<HostState>> complete)
    {
        TaskCompletionSource<HostState> ended;
        lock (_gate)
        {
            ended = _nextRead;
            _nextRead = NewRead();
        }
        complete(ended);
        _ = ended.Task.Exception; // observed: a failed read nobody waited for is logged above, not unobserved
    }

    private static TaskCompletionSource<HostState> NewRead() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Everything the pages show, without the read time: equal states give equal strings. A SHA-256 of the
    /// state's JSON, hashed as it is written: at 1000 BEs x 10 snapshots the JSON is about 10 MB, and the
    /// last one was kept for the next comparison (issue 13: memory).
    /// </summary>
    public static string Fingerprint(HostState state)
    {
        using var hash = new HashingStream();
        JsonSerializer.Serialize(hash, state with { ReadAt = default });
        return Convert.ToHexString(hash.Hash());
    }

    /// <summary>A write-only stream that hashes what is written to it, and keeps nothing else.</summary>
    private sealed class HashingStream : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[] Hash() => _hash.GetHashAndReset();

        public override void Write(ReadOnlySpan<byte> buffer) => _hash.AppendData(buffer);
        public override void Write(byte[] buffer, int offset, int count) => _hash.AppendData(buffer, offset, count);
        public override void Flush() { }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _hash.Dispose();
            base.Dispose(disposing);
        }
    }

    public override void Dispose()
    {
        _nudge.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The host's changes cannot be followed; polling")]
    private static partial void LogNoChanges(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the host state failed")]
    private static partial void LogReadFailed(ILogger logger, Exception ex);
}
