using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>An audit log that keeps the rows in memory; the pages under test only append.</summary>
public sealed class RecordingAuditLog : IAuditLog
{
    public List<AuditRecord> Rows { get; } = [];

    public Task EnsureWritableAsync(CancellationToken ct = default) => Task.CompletedTask;

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default)
    {
        lock (Rows) Rows.Add(record);
        return Task.FromResult(new AuditEntry { Actor = record.Actor, Action = record.Action, Outcome = record.Outcome });
    }

    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default) => throw new NotSupportedException();
    public IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, CancellationToken ct = default) => throw new NotSupportedException();
    public Task<ChainVerification> VerifyAsync(CancellationToken ct = default) => throw new NotSupportedException();
}
