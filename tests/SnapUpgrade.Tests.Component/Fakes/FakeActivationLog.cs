using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Tests.Component.Fakes;

/// <summary>An in-memory audit trail: appends rows, answers queries by action (newest first).</summary>
public sealed class FakeActivationLog : IAuditLog
{
    private readonly List<AuditEntry> _rows = [];

    public IReadOnlyList<AuditEntry> Rows => _rows;

    public Task EnsureWritableAsync(CancellationToken ct = default) => Task.CompletedTask;

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default)
    {
        var entry = new AuditEntry
        {
            Id = _rows.Count + 1, Time = new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero).AddMinutes(_rows.Count),
            Actor = record.Actor, Role = record.Role, Source = record.Source, Action = record.Action, Target = record.Target,
            FromBe = record.FromBe, ToBe = record.ToBe, DryRun = record.DryRun, Outcome = record.Outcome,
            ErrorCode = record.ErrorCode, Message = record.Message,
        };
        _rows.Add(entry);
        return Task.FromResult(entry);
    }

    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default)
    {
        var rows = _rows.Where(r => (query.Action is null || r.Action == query.Action) && (query.DryRun is null || r.DryRun == query.DryRun))
            .OrderByDescending(r => r.Id).ToList();
        return Task.FromResult(new AuditPage(rows.Take(query.PageSize).ToList(), rows.Count, 1, query.PageSize));
    }

    public IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, CancellationToken ct = default) =>
        throw new NotSupportedException();

    public Task<ChainVerification> VerifyAsync(CancellationToken ct = default) => throw new NotSupportedException();
}
