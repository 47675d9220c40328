using System.Diagnostics;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Audit;

/// <summary>
/// How the web and the API run operations: role check, then the engine, and exactly one audit row
/// per attempt (refused, failed, succeeded; dry runs too), written before the answer. When the audit
/// log cannot take a row, the operation does not run. An operation that ran was audited by the
/// engine's journal, in the transaction that completed it (<see cref="IOperationJournal"/>); what
/// stopped before the journal (a refusal, a dry run: nothing on the host changed) is appended here.
/// After a real run (whatever came of it) the host state stream, when there is one, is nudged: every
/// browser sees the result at once, whichever door the request came through (a page, the API).
/// In the web role the engine is another process that does all of this itself (<see cref="IEngine.AuditsRuns"/>):
/// the run, with its actor, goes to it whole, and it is the one writer of the audit trail.
/// </summary>
/// <param name="stream">The host watcher; null where nothing watches (the admin CLI, the demo seed).</param>
/// <param name="applyStagedAtActivation">The host applies an upgraded BE's staged writes when it is activated (<c>Upgrade:ApplyAt</c>), not at its first start.</param>
public sealed class AuditedOperations(IEngine engine, IAuditLog audit, IHostStateStream? stream = null, bool applyStagedAtActivation = false)
{
    public Task<OperationResult> RunAsync(Actor actor, IOperation operation, bool dryRun = false, CancellationToken ct = default) =>
        RunAsync(actor, operation, dryRun, reviewed: null, ct);

    /// <param name="reviewed">The reviewed dry run's <see cref="OperationResult.PlanToken"/>: run exactly that plan or nothing.</param>
    public Task<OperationResult> RunAsync(Actor actor, IOperation operation, bool dryRun, string? reviewed, CancellationToken ct = default) =>
        RunAsync(actor, operation, dryRun, reviewed, checkRole: true, ct);

    /// <summary>
    /// A part of a workflow whose own permission the caller checked (an operator's upgrade where the host
    /// allows it, <see cref="Upgrade.UpgradeRuns"/>): run and audited with the actor as any run, without
    /// asking <see cref="Permissions"/> about the part alone. Only in the engine's process.
    /// </summary>
    internal Task<OperationResult> RunPartAsync(Actor actor, IOperation operation, bool dryRun, string? reviewed = null, CancellationToken ct = default) =>
        RunAsync(actor, operation, dryRun, reviewed, checkRole: false, ct);

    private async Task<OperationResult> RunAsync(Actor actor, IOperation operation, bool dryRun, string? reviewed, bool checkRole, CancellationToken ct)
    {
        try
        {
            return await RunAndAuditAsync(actor, operation, dryRun, reviewed, checkRole, ct);
        }
        finally
        {
            // A dry run changed nothing; a real one may have, even when it failed half-way and undid.
            if (!dryRun) stream?.Nudge();
        }
    }

    private async Task<OperationResult> RunAndAuditAsync(Actor actor, IOperation operation, bool dryRun, string? reviewed, bool checkRole,
        CancellationToken ct)
    {
        if (engine.AuditsRuns)
            return await engine.RunAsync(operation, new RunRequest { DryRun = dryRun, Actor = actor, Reviewed = reviewed }, ct);
        var started = Stopwatch.GetTimestamp();
        await audit.EnsureWritableAsync(ct);
        var result = checkRole && Permissions.Check(actor, operation) is { } forbidden
            ? new OperationResult
            {
                Action = operation.Action, Target = operation.Target, Outcome = Outcome.Refused, DryRun = dryRun, Error = forbidden,
            }
            : await engine.RunAsync(operation, new RunRequest { DryRun = dryRun, Actor = actor, Reviewed = reviewed }, ct);
        if (result.JournalId is null)
        {
            var report = result.Error is null && operation.AuditsReport ? JournalCompletion.Summary(result.Report) : null;
            var record = AuditRecords.For(actor, operation.Action, operation.Target, result.Outcome, result.Error, report,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, dryRun);
            await audit.AppendAsync(record with { FromBe = result.FromBe, ToBe = result.ToBe }, CancellationToken.None);
        }
        if (operation is RebootHost && result.Succeeded && !dryRun) await CarryOverIfDueAsync(CancellationToken.None);
        if (operation is ActivateBe { Temporary: false } activate && result.Succeeded && !dryRun && applyStagedAtActivation)
            result = await ApplyAtActivationAsync(actor, activate.Name, result);
        return result;
    }

    /// <summary>
    /// An upgraded BE just activated for good, on a host that applies staged writes then: applied now, audited as
    /// the actor's (a consequence of the activation they were allowed); said in the activation's report either way.
    /// A refused or failed apply leaves them for the BE's first start.
    /// </summary>
    private async Task<OperationResult> ApplyAtActivationAsync(Actor actor, string name, OperationResult activated)
    {
        if ((await engine.GetKnownStateAsync(CancellationToken.None)).Find(name)?.Upgrade != Zfs.UserProperties.UpgradeStaged) return activated;
        var applied = await RunAndAuditAsync(actor, new ApplyStagedWrites(name, BeforeBoot: true), dryRun: false, reviewed: null, checkRole: false,
            CancellationToken.None);
        return activated with
        {
            Report =
            [
                .. activated.Report,
                applied.Succeeded
                    ? $"Applied the staged writes of {name} to the shared data now (Upgrade:ApplyAt=activation): {applied.Report.Count} report lines, audited as apply-staged."
                    : $"The staged writes of {name} were not applied now ({applied.Error?.Message}); its first start applies them.",
            ],
        };
    }

    /// <summary>
    /// The first start of a migrated BE (a console starting on it, or an in-process boot into it):
    /// carries over, once and audited as the system, what the BE it was cloned from wrote after the
    /// clone point. Null when nothing is due.
    /// </summary>
    public async Task<OperationResult?> CarryOverIfDueAsync(CancellationToken ct = default)
    {
        var booted = (await engine.GetStateAsync(ct)).Booted;
        return booted?.CarryOverFrom is null ? null : await RunAsync(Actor.System, new CarryOver(booted.Name), ct: ct);
    }

    /// <summary>
    /// At the console's start, from one read of the host: the carry-over of a migrated BE's first start
    /// (<see cref="CarryOverIfDueAsync"/>), then the one-shot mark the boot loader has used (the host
    /// rebooted into it, or past it) is dropped, once and audited as the system, so the console no longer
    /// says "boots once next"; a mark the loader still holds stays (a dry run asks, unaudited). Each is
    /// null when it did not run. First of all, an upgrade this console was running when it stopped (ADR
    /// 0026: a BE still marked "running"; the console holding the engine runs every upgrade, so none runs
    /// now) has its staging taken off and is marked failed, audited as the system; and on the first start of
    /// a BE an upgrade made, its staged writes are applied to the shared data (<see cref="ApplyStagedWrites"/>).
    /// Both come back in <c>Upgrades</c>.
    /// </summary>
    public Task<(OperationResult? CarriedOver, OperationResult? OneShotForgotten, IReadOnlyList<OperationResult> Upgrades)> AtStartAsync(
        CancellationToken ct = default) => AtStartAsync(null, ct);

    /// <param name="beforeFinishing">
    /// Called with the BE of each upgrade found running, before it is finished: what stops its command where the
    /// command outlives the console (a transient unit, ADR 0026), so the BE is not unmounted under it.
    /// </param>
    /// <param name="ct">The start's token.</param>
    public async Task<(OperationResult? CarriedOver, OperationResult? OneShotForgotten, IReadOnlyList<OperationResult> Upgrades)> AtStartAsync(
        Func<string, Task>? beforeFinishing, CancellationToken ct = default)
    {
        // One listing at start; after an upgrade's operation, what the engine knows from it (no second listing).
        var state = await engine.GetStateAsync(ct);
        var stopped = new List<OperationResult>();
        foreach (var running in state.BootEnvironments.Where(b => b.Upgrade == Zfs.UserProperties.UpgradeRunning))
        {
            if (beforeFinishing is not null) await beforeFinishing(running.Name);
            stopped.Add(await RunAsync(Actor.System, new FinishUpgrade(running.Name, Passed: false), ct: ct));
        }
        // The first start of a BE an upgrade made: its staged shared-directory writes are applied (ADR 0025).
        if (state.Booted is { Upgrade: Zfs.UserProperties.UpgradeStaged } upgraded)
            stopped.Add(await RunAsync(Actor.System, new ApplyStagedWrites(upgraded.Name), ct: ct));
        if (stopped.Count > 0) state = await engine.GetKnownStateAsync(ct);
        var carriedOver = state.Booted is { CarryOverFrom: not null } booted
            ? await RunAsync(Actor.System, new CarryOver(booted.Name), ct: ct)
            : null;
        if (state.NextBoot is not { } marked) return (carriedOver, null, stopped);
        var forget = new ForgetOneShot(marked.Name);
        var asked = await engine.RunAsync(forget, new RunRequest { DryRun = true, Actor = Actor.System }, ct);
        return (carriedOver, asked.Error?.Code == ErrorCode.OneShotNotUsed ? null : await RunAsync(Actor.System, forget, ct: ct), stopped);
    }
}
