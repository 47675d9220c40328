using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Model;

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
/// lease), every interval, where the interval grows with the cost of a read: a read of
/// <c>d</c> is followed by at least <see cref="ReadCostFactor"/> x <c>d</c> of rest, so reading never
/// takes more than about 1/(1+<see cref="ReadCostFactor"/>) of the ZFS daemon's time;</item>
/// <item>when a reader asks for the latest state (<see cref="LatestAsync"/>) and the last read is
/// not fresh.</item>
/// </list>
/// With nobody watching and nothing changed by the console, it does not read at all.
/// </summary>
public sealed partial class HostWatcher(Func<IEngine> engine, TimeSpan interval, ILogger<HostWatcher> logger)
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
    private TimeSpan _lastReadTook;
    private int _forced;

    public const string IntervalKey = "SnapUpgrade:WatchIntervalMs";
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(1000);

    public HostState? Current => _subscribers.Current;
    public string? Error => _subscribers.Error;

    /// <summary>The time between reads while someone watches: the interval, or more when reads are slow.</summary>
    public TimeSpan Pace => TimeSpan.FromTicks(Math.Max(interval.Ticks, _lastReadTook.Ticks * ReadCostFactor));

    /// <summary>Whether anyone keeps this watcher reading now: a watching subscriber, a lease, or a reader waiting.</summary>
    public bool Watched => _subscribers.Watchers > 0 || Volatile.Read(ref _waiting) > 0
        || Environment.TickCount64 < Interlocked.Read(ref _leaseUntil);

    public IDisposable Subscribe(Action<HostState> onChange) => Subscribe(onChange, watching: true);

    public IDisposable Subscribe(Action<HostState> onChange, bool watching)
    {
        var subscription = _subscribers.Subscribe(onChange, watching);
        if (watching) Wake();
        return subscription;
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
    }

    /// <summary>
    /// The latest state: the last read when it is fresh (nothing changed through the engine since, and
    /// read within the pace: the interval, or longer when reads are slow, so an API client polling a large
    /// pool costs no more than a page does); otherwise the next read, which this call asks for. Concurrent
    /// callers share one read. Throws when that read fails.
    /// </summary>
    public async Task<HostState> LatestAsync(CancellationToken ct = default)
    {
        if (Current is { } current && IsFresh(Pace)) return current;
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

    /// <summary>Milliseconds since the last good read.</summary>
    private long Age => Environment.TickCount64 - Interlocked.Read(ref _readAt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            var forced = Interlocked.Exchange(ref _forced, 0) == 1;
            var moved = !first && Interlocked.Read(ref _readActivity) != engine().Activity;
            if (first || forced || moved || (Watched && !IsFresh(Pace)))
            {
                first = false;
                await ReadOnceAsync(known: moved, stoppingToken);
            }
            // Watched: until the last read is older than the pace. Unwatched: until a nudge, or a page opens.
            var sinceAttempt = Environment.TickCount64 - Interlocked.Read(ref _triedAt);
            var rest = Watched ? TimeSpan.FromMilliseconds(Math.Max(1, Pace.TotalMilliseconds - sinceAttempt)) : Timeout.InfiniteTimeSpan;
            try { await _nudge.WaitAsync(rest, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One read (a listing): pushes the state when its fingerprint changed, or the error when the read failed.</summary>
    public Task ReadOnceAsync(CancellationToken ct = default) => ReadOnceAsync(known: false, ct);

    /// <param name="known">After the engine's own change: what it knows (<see cref="IEngine.GetKnownStateAsync"/>), not a listing.</param>
    private async Task ReadOnceAsync(bool known, CancellationToken ct)
    {
        HostState state;
        var current = engine();
        var activity = current.Activity;
        var started = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _triedAt, Environment.TickCount64);
        try
        {
            state = known ? await current.GetKnownStateAsync(ct) : await current.GetStateAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            LogReadFailed(logger, ex);
            _subscribers.Publish(error: ex.Message);
            EndRead(r => r.TrySetException(ex));
            return;
        }
        if (!known) _lastReadTook = Stopwatch.GetElapsedTime(started); // the pace follows what a listing costs
        // A state read while the engine was changing the host (even a shared-health read's brief
        // mounts) may be a moment in between: skip it; the next read, or the nudge after the
        // operation, shows the settled host. Readers waiting for a read wait for that one (the
        // operation's end nudges; a health read's mounts end without one: then after the pace).
        if (activity % 2 == 1 || current.Activity != activity) return;
        _subscribers.Publish(state, fingerprint: Fingerprint(state));
        Interlocked.Exchange(ref _readAt, Environment.TickCount64);
        Interlocked.Exchange(ref _readActivity, activity);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the host state failed")]
    private static partial void LogReadFailed(ILogger logger, Exception ex);
}
