using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Component.Fakes;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>
/// An engine that refuses what the operation's own Validate refuses, plans two recognisable steps,
/// and records every run (dry or not) so a test can see what the page asked for.
/// </summary>
public sealed class PlanningEngine : IEngine
{
    public HostState State { get; set; } = HostStates.Demo();
    public List<(IOperation Operation, bool DryRun)> Runs { get; } = [];
    public string BackendName => "fake";
    /// <summary>When set, real (not dry) runs wait for it: an operation caught mid-run.</summary>
    public TaskCompletionSource? RunGate { get; set; }
    /// <summary>When set, real runs are refused with it (a busy host), whatever Validate says.</summary>
    public OperationError? Refusal { get; set; }

    public Task<HostState> GetStateAsync(CancellationToken ct = default) => Task.FromResult(State);

    public Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default) =>
        Task.FromResult(HostStates.DemoHealth());

    public async Task<OperationResult> RunAsync(IOperation operation, RunRequest request, CancellationToken ct = default)
    {
        var dryRun = request.DryRun;
        lock (Runs) Runs.Add((operation, dryRun));
        if (!dryRun && RunGate is { } gate) await gate.Task;
        var error = (dryRun ? null : Refusal) ?? operation.Validate(State);
        return new OperationResult
        {
            Action = operation.Action, Target = operation.Target, DryRun = dryRun,
            Outcome = error is null ? Outcome.Succeeded : Outcome.Refused, Error = error,
            Steps = error is not null ? [] :
            [
                new PlannedStep(1, $"snapshot for {operation.Target}", ["zfs", "snapshot", $"rpool/ROOT/src@{operation.Action}"]),
                new PlannedStep(2, $"clone as {operation.Target}", ["zfs", "clone", "-o", "canmount=noauto", "rpool/ROOT/src@x", $"rpool/ROOT/{operation.Target}"]),
            ],
        };
    }
}
