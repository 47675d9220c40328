using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Tests.Component.Fakes;

/// <summary>A hand-written engine: returns what the test put in, or throws what it was told to.</summary>
public sealed class FakeEngine : IEngine
{
    public HostState State { get; set; } = HostStates.Demo();
    public SharedHealthReport Health { get; set; } = HostStates.DemoHealth();
    /// <summary>When set, every read throws it.</summary>
    public Exception? Failure { get; set; }
    public int Reads { get; private set; }

    public string BackendName { get; set; } = "fake";

    public Task<HostState> GetStateAsync(CancellationToken ct = default)
    {
        Reads++;
        return Failure is null ? Task.FromResult(State) : Task.FromException<HostState>(Failure);
    }

    public Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default) =>
        Failure is null ? Task.FromResult(Health) : Task.FromException<SharedHealthReport>(Failure);

    public Task<OperationResult> RunAsync(IOperation operation, bool dryRun = false, CancellationToken ct = default) =>
        throw new NotSupportedException("The read-only pages run no operation.");
}
