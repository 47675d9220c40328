using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Tests.Component.Fakes;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>
/// An engine that refuses what the operation's own Validate refuses, plans two recognisable steps,
/// and records every run (dry or not) so a test can see what the page asked for. Each successful dry
/// run hands out its own plan token; <see cref="Reviewed"/> records the token each real run came with.
/// </summary>
public sealed class PlanningEngine : IEngine
{
    public HostState State { get; set; } = HostStates.Demo();
    public List<(IOperation Operation, bool DryRun)> Runs { get; } = [];
    /// <summary>The plan tokens the dry runs handed out, in order.</summary>
    public List<string> Issued { get; } = [];
    /// <summary>The <see cref="RunRequest.Reviewed"/> of every real run, in order.</summary>
    public List<string?> Reviewed { get; } = [];
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
        string? token = null;
        lock (Runs)
        {
            Runs.Add((operation, dryRun));
            if (!dryRun) Reviewed.Add(request.Reviewed);
        }
        if (!dryRun && RunGate is { } gate) await gate.Task;
        var error = (dryRun ? null : Refusal) ?? operation.Validate(State);
        if (dryRun && error is null)
            lock (Runs) Issued.Add(token = $"plan-{Issued.Count + 1}-{operation.Action}-{operation.Target}");
        return new OperationResult
        {
            PlanToken = token,
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
