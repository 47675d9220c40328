using System.Runtime.CompilerServices;
using System.Text.Json;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// Upgrades as the web role sees them: every call goes over the socket to the engine process, which runs
/// them (root), checks the actor's role and audits them (<see cref="EngineProtocol.Upgrades"/>).
/// </summary>
public sealed class RemoteUpgrades(EngineClient client) : IUpgrades
{
    public Task<UpgradeStart> StartAsync(Actor actor, UpgradeOrder order, CancellationToken ct = default) =>
        client.PostAsync<UpgradeStart>(EngineProtocol.Upgrades, new EngineUpgradeStart(order, actor), ct);

    public async Task<OperationError?> RefusalAsync(Actor actor, CancellationToken ct = default) =>
        (await client.PostAsync<EngineUpgradeRefusal>(EngineProtocol.UpgradeRefusal, actor, ct)).Refused;

    public Task<IReadOnlyList<UpgradeView>> ListAsync(CancellationToken ct = default) =>
        client.GetAsync<IReadOnlyList<UpgradeView>>(EngineProtocol.Upgrades, ct);

    public async Task<UpgradeView?> GetAsync(string id, CancellationToken ct = default) =>
        (await client.GetAsync<EngineUpgradeFound>(EngineProtocol.Upgrade(id), ct)).Run;

    public async IAsyncEnumerable<UpgradeEvent> FollowAsync(string id, long from = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (await GetAsync(id, ct) is null) throw new KeyNotFoundException($"No upgrade '{id}' on the engine (runs are kept until it stops).");
        using var response = await client.OpenAsync(HttpMethod.Get, $"{EngineProtocol.Upgrade(id)}/follow?from={from}", null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await foreach (var line in JsonSerializer.DeserializeAsyncEnumerable<UpgradeEvent>(body, topLevelValues: true, EngineProtocol.Json, ct))
            if (line is not null) yield return line;
    }

    public async Task<OperationError?> CancelAsync(Actor actor, string id, CancellationToken ct = default) =>
        (await client.PostAsync<EngineUpgradeRefusal>($"{EngineProtocol.Upgrade(id)}/cancel", actor, ct)).Refused;
}
