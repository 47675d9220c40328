using System.Runtime.CompilerServices;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Tests.Component.Fakes;

/// <summary>
/// The one in-memory audit log of the component tests: rows kept in the order written, each a minute
/// after the last; queries filter on actor, action and dry run and answer newest first, paged as the
/// real one pages.
/// </summary>
public sealed class FakeAuditLog : IAuditLog
{
    private static readonly DateTimeOffset FirstRow = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly List<AuditEntry> _rows = [];

    public Exception? QueryFailure { get; set; }
    /// <summary>When set, every query waits for it (the loading state), then answers as usual.</summary>
    public TaskCompletionSource? QueryGate { get; set; }
    public ChainVerification Verification { get; set; } = new(true, 0, null, "intact");
    public List<AuditQuery> Queries { get; } = [];

    /// <summary>The rows, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Rows
    {
        get { lock (_rows) return [.. _rows]; }
    }

    public Task EnsureWritableAsync(CancellationToken ct = default) => Task.CompletedTask;

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default)
    {
        lock (_rows)
        {
            var entry = new AuditEntry
            {
                Id = _rows.Count + 1, Time = FirstRow.AddMinutes(_rows.Count), Actor = record.Actor, Role = record.Role,
                Source = record.Source, Action = record.Action, Target = record.Target, FromBe = record.FromBe, ToBe = record.ToBe,
                DryRun = record.DryRun, Outcome = record.Outcome, ErrorCode = record.ErrorCode, Message = record.Message,
                DurationMs = record.DurationMs,
                PreviousHash = _rows.Count == 0 ? new string('0', 64) : _rows[^1].Hash, Hash = $"hash-{_rows.Count + 1:D4}",
            };
            _rows.Add(entry);
            return Task.FromResult(entry);
        }
    }

    public async Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default)
    {
        Queries.Add(query);
        if (QueryGate is { } gate) await gate.Task.WaitAsync(ct);
        if (QueryFailure is not null) throw QueryFailure;
        var matching = Matching(query).ToList();
        var page = matching.Skip((query.Page - 1) * query.PageSize).Take(query.PageSize).ToList();
        return new AuditPage(page, matching.Count, query.Page, query.PageSize);
    }

    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var row in Matching(query))
        {
            await Task.Yield();
            yield return row;
        }
    }

    public Task<ChainVerification> VerifyAsync(CancellationToken ct = default) => Task.FromResult(Verification);

    /// <summary>Newest first, as the real log answers.</summary>
    private IEnumerable<AuditEntry> Matching(AuditQuery q) => Rows.Reverse().Where(r =>
        (q.Actor is null || r.Actor == q.Actor) && (q.Action is null || r.Action == q.Action) && (q.DryRun is null || r.DryRun == q.DryRun));
}
