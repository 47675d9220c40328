using System.Runtime.CompilerServices;
using System.Text.Json;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The audit trail as the web role sees it: the engine is its only writer (the file is root's, its head is
/// anchored on the pool). The web appends only its own rows (account and token changes, with the actor);
/// operations are audited by the engine as it runs them.
/// </summary>
public sealed class RemoteAuditLog(EngineClient client) : IAuditLog
{
    public async Task EnsureWritableAsync(CancellationToken ct = default) =>
        await client.PostAsync<JsonElement>(EngineProtocol.AuditWritable, null, ct);

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default) =>
        client.PostAsync<AuditEntry>(EngineProtocol.AuditAppend, record, ct);

    public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default) =>
        client.PostAsync<AuditPage>(EngineProtocol.AuditQuery, query, ct);

    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var response = await client.OpenAsync(HttpMethod.Post, EngineProtocol.AuditStream, query, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var entry in JsonSerializer.DeserializeAsyncEnumerable<AuditEntry>(body, topLevelValues: true, EngineProtocol.Json, ct))
            if (entry is not null) yield return entry;
    }

    public Task<ChainVerification> VerifyAsync(CancellationToken ct = default) =>
        client.GetAsync<ChainVerification>(EngineProtocol.AuditVerify, ct);
}
