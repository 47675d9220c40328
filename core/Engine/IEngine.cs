using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The one door from the web (and the API) to the host. Everything that reads or changes ZFS,
/// mounts or files of BEs goes through here, so the engine can later live in a separate privileged
/// process behind a local socket without the web noticing.
/// </summary>
public interface IEngine
{
    /// <summary>The host as it is now (one pool listing).</summary>
    Task<HostState> GetStateAsync(CancellationToken ct = default);

    /// <summary>
    /// The host as the engine knows it without listing the pool when it can: after its own operations,
    /// the last listing with what they touched read again (issue 13). Changes made behind the console's
    /// back since the last <see cref="GetStateAsync"/> are not in it.
    /// </summary>
    Task<HostState> GetKnownStateAsync(CancellationToken ct = default) => GetStateAsync(ct);

    /// <summary>
    /// The state the engine knows with <paramref name="scope"/> read again and spliced in: what the watcher
    /// reads after a host event confined to those datasets (<see cref="HostChange.Datasets"/>) instead of a
    /// listing. Without a known listing (an operation ran since, or none was read), a listing.
    /// </summary>
    Task<HostState> RereadAsync(ReadScope scope, CancellationToken ct = default) => GetStateAsync(ct);

    /// <summary>
    /// Whether the engine was changing the host at <paramref name="moment"/> (the host's wall clock; its
    /// <see cref="Activity"/> was odd then): a host event of that moment is its own, and what it knows
    /// after that change already holds it.
    /// </summary>
    bool WasChanging(DateTimeOffset moment) => false;

    /// <summary>
    /// Checks the operation against the current state, then plans it and, unless
    /// <paramref name="dryRun"/>, runs it. Mutating operations run one at a time.
    /// </summary>
    Task<OperationResult> RunAsync(IOperation operation, bool dryRun = false, CancellationToken ct = default) =>
        RunAsync(operation, new RunRequest { DryRun = dryRun }, ct);

    /// <summary>
    /// Checks the operation against the current state, then plans it and, unless
    /// <see cref="RunRequest.DryRun"/>, runs it, on behalf of <see cref="RunRequest.Actor"/>.
    /// Mutating operations run one at a time.
    /// </summary>
    Task<OperationResult> RunAsync(IOperation operation, RunRequest request, CancellationToken ct = default);

    /// <summary>
    /// A dry run of a later part of a workflow: checks and plans the operation against the host as it
    /// will be once the parts before it ran (<paramref name="assume"/> makes that state from the current one
    /// and the host's layout). Runs nothing and issues no plan token (the part is planned again, for real,
    /// when its turn comes). An engine that cannot plan ahead (the web role's, which hands workflows to the
    /// engine process) refuses it.
    /// </summary>
    Task<OperationResult> PlanAheadAsync(IOperation operation, Func<HostState, Layout, HostState> assume, CancellationToken ct = default) =>
        Task.FromResult(new OperationResult
        {
            Action = operation.Action, Target = operation.Target, Outcome = Outcome.Refused, DryRun = true,
            Error = new(ErrorCode.NotSupported, "This engine does not plan ahead; the engine process does."),
        });

    /// <summary>
    /// Per BE and zone BE, the state of each fixed shared directory. Never mounts anything: mounted
    /// BEs are read now, the others come from the last <see cref="Operations.CheckSharedHealth"/>
    /// (with its time), or are reported as not checked.
    /// </summary>
    Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default);

    /// <summary>What the engine runs on (e.g. "simulated", "zfs-fuse", "OpenZFS 2.2").</summary>
    string BackendName { get; }

    /// <summary>
    /// Whether <see cref="Operations.RebootHost"/> can run here (a boot in process, or the host's
    /// reboot command), without IO: the console offers "activate and reboot", and the API refuses it
    /// before activating anything, from this.
    /// </summary>
    bool CanReboot => false;

    /// <summary>
    /// Moves whenever the engine starts or ends work that changes the host, even for a moment (an
    /// operation; the brief mounts of a shared-health read). Odd while such work runs. A reader that
    /// sees it move (or odd) around a <see cref="GetStateAsync"/> may have read a state in between.
    /// </summary>
    long Activity => 0;

    /// <summary>
    /// True when this engine checks the actor's role and writes every run's audit row itself (the engine
    /// process behind the web role's socket, ADR 0019): <see cref="Audit.AuditedOperations"/> then hands the
    /// run over whole instead of auditing it a second time.
    /// </summary>
    bool AuditsRuns => false;
}

/// <summary>How one operation is asked to run.</summary>
public sealed record RunRequest
{
    /// <summary>Plan only: nothing on the host changes.</summary>
    public bool DryRun { get; init; }

    /// <summary>Who asks (recorded in the journal); null for the engine's own work and tests.</summary>
    public Actor? Actor { get; init; }

    /// <summary>
    /// The <see cref="OperationResult.PlanToken"/> of the dry run the user reviewed: the operation is
    /// planned again with the names that dry run made up, and runs only when the argv is the same;
    /// otherwise it is refused (<see cref="ErrorCode.PlanChanged"/>, <see cref="ErrorCode.InvalidPlanToken"/>).
    /// Null: planned fresh (a client that did not review).
    /// </summary>
    public string? Reviewed { get; init; }
}
