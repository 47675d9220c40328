using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The engine as the web role sees it: every call goes over the socket to the engine process, which checks
/// the actor's role, runs the operation and writes its audit row (<see cref="IEngine.AuditsRuns"/>).
/// What the engine runs on (<see cref="BackendName"/>, <see cref="CanReboot"/>) is learnt from its
/// capabilities each time the state stream connects.
/// </summary>
public sealed class RemoteEngine(EngineClient client) : IEngine
{
    private EngineCapabilities? _capabilities;

    public string BackendName => _capabilities?.Backend ?? "engine (not reached yet)";

    public bool CanReboot => _capabilities?.CanReboot ?? false;

    public bool AuditsRuns => true;

    public async Task<EngineCapabilities> RefreshCapabilitiesAsync(CancellationToken ct) =>
        _capabilities = await client.GetAsync<EngineCapabilities>(EngineProtocol.Capabilities, ct);

    public Task<HostState> GetStateAsync(CancellationToken ct = default) => client.GetAsync<HostState>(EngineProtocol.State, ct);

    public Task<OperationResult> RunAsync(IOperation operation, RunRequest request, CancellationToken ct = default) =>
        client.PostAsync<OperationResult>(EngineProtocol.Run,
            new EngineRunRequest(operation, request.Actor ?? Actor.System, request.DryRun, request.Reviewed), ct);

    public Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default) =>
        client.GetAsync<SharedHealthReport>(EngineProtocol.SharedHealth, ct);
}
