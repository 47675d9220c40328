using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// A fresh look inside every BE and zone BE that is not mounted: each is mounted for a moment
/// (nosuid, nodev, noexec, in the console's private directory), its fixed directories read, and
/// put back. An operator's action, audited; reading shared health otherwise never mounts anything.
/// </summary>
public sealed record CheckSharedHealth : IOperation
{
    public string Action => "shared-check";
    public string? Target => null;

    public OperationError? Validate(HostState state) => null;

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct) =>
        throw new NotImplementedException("issue 8: in progress");
}
