using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Upgrade;

/// <summary>
/// Upgrades as the pages and the API see them (issue 14, ADR 0026): started, followed line by line,
/// cancelled and read back. An upgrade runs in the process that holds the engine (root on a host), one
/// at a time, whoever started it; the web role reaches it over the engine's socket. Each run is
/// audited once as <see cref="UpgradeRuns.Action"/> (with the command's line, its end and the end of its
/// output), beside the rows of the engine's operations it is made of.
/// </summary>
public interface IUpgrades
{
    /// <summary>
    /// Checks the actor's role and the order, then starts the run and answers at once with its first view
    /// (<see cref="UpgradeState.Running"/>); the run goes on when the caller goes. A dry run answers with
    /// the whole plan and starts nothing. A refusal (role, name, another upgrade running, no upgrades on this
    /// host) comes back as <see cref="UpgradeStart.Refused"/>, audited.
    /// </summary>
    Task<UpgradeStart> StartAsync(Actor actor, UpgradeOrder order, CancellationToken ct = default);

    /// <summary>
    /// Why <paramref name="actor"/> may not start upgrades on this host (their role, <c>Upgrade:OperatorsMay</c>,
    /// no command configured), or null: what the page asks before it offers the form. Not audited (nothing asked).
    /// </summary>
    Task<OperationError?> RefusalAsync(Actor actor, CancellationToken ct = default);

    /// <summary>The runs since this engine started (its last <see cref="UpgradeRuns.RunsKept"/>), newest first (the audit log keeps the older ones).</summary>
    Task<IReadOnlyList<UpgradeView>> ListAsync(CancellationToken ct = default);

    /// <summary>One run, or null for an id this engine does not know.</summary>
    Task<UpgradeView?> GetAsync(string id, CancellationToken ct = default);

    /// <summary>
    /// The run's output from line <paramref name="from"/> (0: all that is kept), then each new line as it
    /// comes, then its end (<see cref="UpgradeEvent.End"/>) once. Ends at once for a finished run after its
    /// lines; throws <see cref="KeyNotFoundException"/> for an unknown id.
    /// </summary>
    IAsyncEnumerable<UpgradeEvent> FollowAsync(string id, long from = 0, CancellationToken ct = default);

    /// <summary>
    /// Cancels a running upgrade's package command (its BE is then finished as failed, never activated).
    /// Null when allowed and asked; else the refusal (role, unknown id, already ended).
    /// </summary>
    Task<OperationError?> CancelAsync(Actor actor, string id, CancellationToken ct = default);
}

/// <summary>What an admin asks for: a new BE <paramref name="Name"/> from <paramref name="Source"/> (null: the booted BE).</summary>
/// <param name="Activate">"Upgrade now and activate on success": activate the BE (for the next boot) when the command passed.</param>
/// <param name="PlanToken">
/// The reviewed dry run's <see cref="UpgradeStart.PlanToken"/>: the BE is created exactly as that plan showed (the same
/// source snapshot and names), or the upgrade is refused before it starts (<see cref="Engine.ErrorCode.PlanChanged"/>).
/// </param>
public sealed record UpgradeOrder(string Name, string? Source = null, string? Description = null, bool Activate = false, bool DryRun = false,
    string? PlanToken = null);

public enum UpgradeState
{
    /// <summary>Creating, staging, running the command or finishing.</summary>
    Running,
    /// <summary>The command passed; the BE is upgraded, its shared-directory writes wait in it for its first boot.</summary>
    Staged,
    /// <summary>The command failed, was stopped at the time limit or cancelled, or the writes could not be kept: the BE is marked failed.</summary>
    Failed,
    /// <summary>Refused or failed before the command ran: no BE was left behind.</summary>
    NotStarted,
}

/// <summary>One upgrade run as it stands.</summary>
/// <param name="Id">Its handle in the API (<c>/api/v1/upgrades/{id}</c>).</param>
/// <param name="Command">The package command's argv as it runs (placeholders filled); empty until the BE is staged.</param>
/// <param name="Step">What it is doing now, in a few words (creating, staging, running the package command, finishing, done).</param>
/// <param name="Ran">How the package command ended (null while it runs or when it never started).</param>
/// <param name="Staged">What the command wrote into shared directories, kept in the BE for its first boot (one line each).</param>
/// <param name="Parts">The engine's operations in order, each audited on its own.</param>
/// <param name="Activated">The activation asked with the order, when the upgrade passed.</param>
/// <param name="Lines">How many output lines the run has printed so far.</param>
public sealed record UpgradeView(
    string Id, string Name, string? Source, string Actor, DateTimeOffset Started, DateTimeOffset? Ended, UpgradeState State,
    string Step, IReadOnlyList<string> Command, bool Activate, UpgradeCommandEnd? Ran, IReadOnlyList<string> Staged,
    IReadOnlyList<OperationResult> Parts, OperationResult? Activated, string? Message, long Lines)
{
    public bool Running => State == UpgradeState.Running;
}

/// <summary>How the package command ended, without its output (that is the run's lines).</summary>
public sealed record UpgradeCommandEnd(CommandEnd End, int? ExitCode, string Summary, double Seconds);

/// <summary>
/// One line of a followed run (<paramref name="Index"/> counts from 0), or its end with the final view, or what it
/// does now (<paramref name="Step"/>: when following begins and whenever it changes, at the index of the next
/// line), so a follower needs nothing but this stream to show its progress.
/// </summary>
public sealed record UpgradeEvent(long Index, string? Line, UpgradeView? End, string? Step = null);

/// <summary>
/// A start's answer: the run (its first view, or for a dry run the plan), or why not. The plan lists the
/// create's real steps, then what follows once the BE exists: the stage's mounts with their options, the
/// package command's argv, the finish. A dry run's <paramref name="PlanToken"/> is its create's: handed back with the
/// order (<see cref="UpgradeOrder.PlanToken"/>), the upgrade runs that create or nothing. The later parts are planned
/// again when their turn comes (their private names differ); what they run is the host's fixed configuration.
/// </summary>
public sealed record UpgradeStart(UpgradeView? Run, OperationError? Refused, IReadOnlyList<PlannedStep> Plan, string? PlanToken = null);
