using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// Carries the audit chain's head to the <see cref="IAuditAnchor"/> after every append and seal,
/// off the operation's path: a <c>zfs set</c> costs 0.4-1 s on zfs-fuse. One writer at a time, always
/// the newest head posted (heads posted while a write runs collapse into the next write; a head
/// older than one already posted is dropped, so the anchor never moves back). Until
/// <see cref="Attach"/> (before the engine starts; a standby console, which only reads) heads are
/// kept, not written.
/// </summary>
public sealed partial class AuditAnchorWriter(ILogger<AuditAnchorWriter>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Lock _gate = new();
    private IAuditAnchor? _anchor;
    private bool _writing;
    private AuditHead? _pending;
    private long _highest;
    private Task _drained = Task.CompletedTask;
    private TaskCompletionSource? _draining;
    private long _writes;

    /// <summary>The anchor verification reads; null before <see cref="Attach"/>.</summary>
    public IAuditAnchor? Anchor
    {
        get { lock (_gate) return _anchor; }
    }

    /// <summary>Sets the anchor; with <paramref name="writes"/> false (a standby console) it is only read.</summary>
    public void Attach(IAuditAnchor anchor, bool writes)
    {
        lock (_gate)
        {
            (_anchor, _writing) = (anchor, writes);
            StartIfDue();
        }
    }

    /// <summary>A new head of the chain, just committed.</summary>
    public void Post(AuditHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        lock (_gate)
        {
            if (head.Position <= _highest) return;
            (_highest, _pending) = (head.Position, head);
            StartIfDue();
        }
    }

    /// <summary>How many anchor writes were made (each one <c>zfs set</c> on the pool, failed or not).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Completes when every head posted so far is written (or its write failed and was logged).</summary>
    public Task FlushAsync()
    {
        lock (_gate) return _drained;
    }

    private void StartIfDue()
    {
        if (_pending is null || _anchor is null || !_writing || _draining is not null) return;
        _draining = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drained = _draining.Task;
        _ = Task.Run(WriteLoopAsync);
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            AuditHead head;
            IAuditAnchor anchor;
            lock (_gate)
            {
                if (_pending is null)
                {
                    _draining!.SetResult();
                    _draining = null;
                    return;
                }
                (head, anchor, _pending) = (_pending, _anchor!, null);
            }
            try
            {
                Interlocked.Increment(ref _writes);
                await anchor.WriteAsync(head);
            }
            catch (Exception ex)
            {
                // The next append posts a newer head and tries again; verification meanwhile
                // compares with the older anchor, which the database is only ahead of.
                LogWriteFailed(_logger, head.Position, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not anchor the audit chain's head (row {Position}) on the pool: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, long position, string error);
}
