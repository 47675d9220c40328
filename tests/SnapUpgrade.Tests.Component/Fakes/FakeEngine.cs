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
    /// <summary>How often shared health was read (a read never mounts; only <see cref="CheckSharedHealth"/> does).</summary>
    public int HealthReads { get; private set; }
    /// <summary>The report a real (not dry) <see cref="CheckSharedHealth"/> run hands back.</summary>
    public SharedHealthReport CheckReport { get; set; } = HostStates.CheckedHealth();

    public string BackendName { get; set; } = "fake";

    public Task<HostState> GetStateAsync(CancellationToken ct = default)
    {
        Reads++;
        return Failure is null ? Task.FromResult(State) : Task.FromException<HostState>(Failure);
    }

    public Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default)
    {
        HealthReads++;
        return Failure is null ? Task.FromResult(Health) : Task.FromException<SharedHealthReport>(Failure);
    }

    /// <summary>Every operation asked to run, with its dry-run flag.</summary>
    public List<(IOperation Operation, bool DryRun)> Runs { get; } = [];

    /// <summary>Plans one step and succeeds (the report lines go to real runs), unless the state refuses it.</summary>
    public Task<OperationResult> RunAsync(IOperation operation, RunRequest request, CancellationToken ct = default)
    {
        var dryRun = request.DryRun;
        Runs.Add((operation, dryRun));
        var error = operation.Validate(State);
        return Task.FromResult(new OperationResult
        {
            Action = operation.Action, Target = operation.Target, DryRun = dryRun,
            Outcome = error is null ? Outcome.Succeeded : Outcome.Refused, Error = error,
            Steps = error is null ? [new PlannedStep(1, $"{operation.Action} {operation.Target}", ["zfs", operation.Action])] : [],
            Report = dryRun || error is not null ? [] : RunReport,
            SharedHealth = operation is CheckSharedHealth && !dryRun && error is null ? CheckReport : null,
        });
    }

    public IReadOnlyList<string> RunReport { get; set; } = [];
}
