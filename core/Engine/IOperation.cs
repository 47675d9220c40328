using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// One BE, shared-dataset or zone operation: a request record that checks itself against the host
/// state (the UI calls <see cref="Validate"/> to disable a button and say why) and plans its steps.
/// Planning changes nothing; the engine runs the plan.
/// </summary>
public interface IOperation
{
    /// <summary>The audit action name: "create", "activate", ...</summary>
    string Action { get; }

    /// <summary>The BE or zone acted on, for the audit trail.</summary>
    string? Target { get; }

    /// <summary>
    /// True when what the plan reports is the point of the audit row (what a carry-over copied, why a
    /// trial failed): its summary is then recorded with the row.
    /// </summary>
    bool AuditsReport => false;

    /// <summary>Null when the operation may run on this state; else why not. No IO.</summary>
    OperationError? Validate(HostState state);

    /// <summary>
    /// The datasets this operation reads fresh before it is checked and planned, and again after it ran,
    /// named from the latest known state (<see cref="Scopes"/>): all its checks and plan look at, and all it
    /// changes. Null: the whole pool is read (operations on the whole host, and rare ones).
    /// </summary>
    ReadScope? Scope(HostState latest, Layout layout) => null;

    /// <summary>The ordered steps. Called only after <see cref="Validate"/> passed on the same state.</summary>
    Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct);
}
