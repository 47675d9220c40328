using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Tests.Support.Fakes;

/// <summary>
/// The one hand-written engine of the tests above the engine (pages, dialogs, the host watcher):
/// returns the state the test put in, or throws what it was told to; refuses what the operation's own
/// Validate refuses, plans two recognisable steps, and records every run (dry or not) so a test can
/// see what was asked. Each successful dry run hands out its own plan token; <see cref="Reviewed"/>
/// records the token each real run came with.
/// </summary>
public sealed class FakeEngine : IEngine
{
    public HostState State { get; set; } = HostStates.Demo();
    public SharedHealthReport Health { get; set; } = HostStates.DemoHealth();
    /// <summary>When set, every read throws it.</summary>
    public Exception? Failure { get; set; }
    /// <summary>Runs inside each state read, before it answers (e.g. the engine starting work meanwhile).</summary>
    public Action? DuringRead { get; set; }
    public int Reads { get; private set; }
    /// <summary>How often the state the engine knows was asked for (<see cref="IEngine.GetKnownStateAsync"/>: no listing).</summary>
    public int KnownReads { get; private set; }
    /// <summary>The scopes the watcher read again after host changes (<see cref="IEngine.RereadAsync"/>), in order.</summary>
    public List<ReadScope> Rereads { get; } = [];
    /// <summary>Whether the engine was changing the host at a moment (<see cref="IEngine.WasChanging"/>); never, unless set.</summary>
    public Func<DateTimeOffset, bool> Changing { get; set; } = _ => false;
    /// <summary>How often shared health was read (a read never mounts; only <see cref="CheckSharedHealth"/> does).</summary>
    public int HealthReads { get; private set; }
    /// <summary>The report a real (not dry) <see cref="CheckSharedHealth"/> run hands back.</summary>
    public SharedHealthReport CheckReport { get; set; } = HostStates.CheckedHealth();
    /// <summary>The report lines of every real run that succeeds.</summary>
    public IReadOnlyList<string> RunReport { get; set; } = [];

    public string BackendName { get; set; } = "fake";
    public bool CanReboot { get; set; }
    /// <summary>The engine's activity counter (<see cref="IEngine.Activity"/>), moved by the test.</summary>
    public long Activity { get; set; }

    /// <summary>Every operation asked to run, with its dry-run flag.</summary>
    public List<(IOperation Operation, bool DryRun)> Runs { get; } = [];
    /// <summary>The plan tokens the dry runs handed out, in order.</summary>
    public List<string> Issued { get; } = [];
    /// <summary>The <see cref="RunRequest.Reviewed"/> of every real run, in order.</summary>
    public List<string?> Reviewed { get; } = [];
    /// <summary>When set, real (not dry) runs wait for it: an operation caught mid-run.</summary>
    public TaskCompletionSource? RunGate { get; set; }
    /// <summary>When set, real runs are refused with it (a busy host), whatever Validate says.</summary>
    public OperationError? Refusal { get; set; }
    /// <summary>When it names an error for an operation, that operation's real runs fail with it (a command failed, undone).</summary>
    public Func<IOperation, OperationError?> Failing { get; set; } = _ => null;

    public Task<HostState> GetStateAsync(CancellationToken ct = default)
    {
        Reads++;
        DuringRead?.Invoke();
        return Failure is null ? Task.FromResult(State) : Task.FromException<HostState>(Failure);
    }

    public Task<HostState> GetKnownStateAsync(CancellationToken ct = default)
    {
        KnownReads++;
        DuringRead?.Invoke();
        return Failure is null ? Task.FromResult(State) : Task.FromException<HostState>(Failure);
    }

    public Task<HostState> RereadAsync(ReadScope scope, CancellationToken ct = default)
    {
        lock (Rereads) Rereads.Add(scope);
        DuringRead?.Invoke();
        return Failure is null ? Task.FromResult(State) : Task.FromException<HostState>(Failure);
    }

    public bool WasChanging(DateTimeOffset moment) => Changing(moment);

    public Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default)
    {
        HealthReads++;
        return Failure is null ? Task.FromResult(Health) : Task.FromException<SharedHealthReport>(Failure);
    }

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
        var failure = dryRun || error is not null ? null : Failing(operation);
        if (failure is not null)
            return new OperationResult { Action = operation.Action, Target = operation.Target, Outcome = Outcome.Failed, Error = failure };
        if (dryRun && error is null)
            lock (Runs) Issued.Add(token = $"plan-{Issued.Count + 1}-{operation.Action}-{operation.Target}");
        return new OperationResult
        {
            PlanToken = token,
            Action = operation.Action, Target = operation.Target, DryRun = dryRun,
            Outcome = error is null ? Outcome.Succeeded : Outcome.Refused, Error = error,
            Steps = error is not null ? [] :
            [
                new PlannedStep(1, $"{operation.Action} {operation.Target}", ["zfs", "snapshot", $"rpool/ROOT/src@{operation.Action}"]),
                new PlannedStep(2, $"clone as {operation.Target}", ["zfs", "clone", "-o", "canmount=noauto", "rpool/ROOT/src@x", $"rpool/ROOT/{operation.Target}"]),
            ],
            Report = dryRun || error is not null ? [] : RunReport,
            SharedHealth = operation is CheckSharedHealth && !dryRun && error is null ? CheckReport : null,
        };
    }
}
