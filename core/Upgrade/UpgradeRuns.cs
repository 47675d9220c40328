using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Upgrade;

/// <summary>What a host allows of upgrades (<c>SnapUpgrade:Upgrade:*</c>).</summary>
/// <param name="OperatorsMay">Operators may run upgrades too (admins always may; auditors never).</param>
public sealed record UpgradeRunOptions(bool OperatorsMay = false, int StagingMiB = 512);

/// <summary>
/// The upgrades of the process that holds the engine (<see cref="IUpgrades"/>): one at a time, each run
/// in the background by <see cref="UpgradeWorkflow"/> with its parts audited as the actor's, its output kept
/// in memory (the last <see cref="LinesKept"/> lines) for every follower, and one audit row
/// (<see cref="Action"/>) when it ends, holding the command's line, how it ended, what it staged and the
/// end of its output. The runs are forgotten when the engine stops; a run cut off by the stop is finished
/// as failed at the next start (<see cref="AuditedOperations.AtStartAsync(CancellationToken)"/>), audited as the system.
/// </summary>
/// <param name="command">The host's package command; null: upgrades are refused here (none configured).</param>
public sealed class UpgradeRuns(IEngine engine, AuditedOperations operations, IAuditLog audit, IUpgradeCommand? command,
    UpgradeRunOptions options, TimeProvider time) : IUpgrades
{
    /// <summary>The audit action of a whole upgrade (its parts have their own rows: create, stage, finish-upgrade).</summary>
    public const string Action = "upgrade";

    /// <summary>Output lines each run keeps for followers (the end of it; the audit row keeps less).</summary>
    public const int LinesKept = 5000;

    /// <summary>Output characters the audit row keeps (its end).</summary>
    public const int AuditedOutput = 32 * 1024;

    /// <summary>Runs the engine keeps (the newest; each with its last <see cref="LinesKept"/> lines): the audit log keeps them all.</summary>
    public const int RunsKept = 20;

    private readonly object _gate = new();
    private readonly List<Run> _runs = [];
    private bool _stopping;

    /// <summary>Whether <paramref name="role"/> may run upgrades on a host with these options (the page asks too).</summary>
    public static bool May(Role role, bool operatorsMay) => role == Role.Admin || (role == Role.Operator && operatorsMay);

    public async Task<UpgradeStart> StartAsync(Actor actor, UpgradeOrder order, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(order);
        if (Refusal(actor) is { } refused) return await RefuseAsync(actor, order, refused);
        if (order.DryRun) return await PlanAsync(actor, order, ct);
        // A reviewed plan is checked before anything starts (a host that moved since the review is refused here, as
        // for any reviewed operation); the create checks it again when it runs.
        if (order.PlanToken is { } reviewed
            && await engine.RunAsync(new CreateBe(order.Name, order.Source, order.Description),
                new RunRequest { DryRun = true, Reviewed = reviewed, Actor = actor }, ct) is { Succeeded: false, Error: { } changed })
            return await RefuseAsync(actor, order, changed);
        var workflow = new UpgradeWorkflow(engine, command!, options.StagingMiB,
            (operation, run) => operations.RunPartAsync(actor, operation, run.DryRun, run.Reviewed));
        var run = new Run(NewId(), order, actor, time.GetUtcNow());
        string? busy;
        bool stopping;
        lock (_gate)
        {
            stopping = _stopping;
            busy = _runs.FirstOrDefault(r => r.State == UpgradeState.Running)?.Order.Name;
            if (busy is null && !stopping)
            {
                _runs.Insert(0, run);
                if (_runs.Count > RunsKept) _runs.RemoveAt(_runs.Count - 1); // the oldest, ended: only one runs at a time
            }
        }
        if (stopping) return await RefuseAsync(actor, order, new(ErrorCode.Busy, "The console is stopping: no upgrade starts now."));
        if (busy is not null)
            return await RefuseAsync(actor, order, new(ErrorCode.Busy, $"The upgrade into '{busy}' is running: wait for it or cancel it."));
        _ = Task.Run(() => RunAsync(run, workflow), CancellationToken.None);
        return new(run.View(), null, []);
    }

    /// <summary>The whole plan (<see cref="UpgradeWorkflow.PlanAsync"/>), audited as one dry run of the upgrade.</summary>
    private async Task<UpgradeStart> PlanAsync(Actor actor, UpgradeOrder order, CancellationToken ct)
    {
        var workflow = new UpgradeWorkflow(engine, command!, options.StagingMiB, (operation, run) => engine.RunAsync(operation, run, ct));
        var plan = await workflow.PlanAsync(new UpgradeRequest(order.Name, order.Source, order.Description),
            new RunRequest { Actor = actor }, order.Activate, ct);
        var failed = plan.Parts.FirstOrDefault(p => !p.Succeeded);
        await audit.AppendAsync(AuditRecords.For(actor, Action, order.Name, failed?.Outcome ?? Outcome.Succeeded, failed?.Error,
            dryRun: true), CancellationToken.None);
        return new(null, failed?.Error, PlanSteps(plan), failed is null ? plan.Parts[0].PlanToken : null);
    }

    public Task<OperationError?> RefusalAsync(Actor actor, CancellationToken ct = default) => Task.FromResult(Refusal(actor));

    private OperationError? Refusal(Actor actor)
    {
        if (!May(actor.Role, options.OperatorsMay))
            return new(ErrorCode.Forbidden, actor.Role == Role.Operator
                ? "Operators may not run upgrades on this host (SnapUpgrade:Upgrade:OperatorsMay is false)."
                : $"The {Roles.Name(actor.Role)} role may not run upgrades.");
        return command is null
            ? new(ErrorCode.NotSupported, "This host has no upgrade command (SnapUpgrade:Upgrade:Command): upgrades are off.")
            : null;
    }

    private async Task<UpgradeStart> RefuseAsync(Actor actor, UpgradeOrder order, OperationError error)
    {
        await audit.AppendAsync(AuditRecords.For(actor, Action, order.Name, Outcome.Refused, error, dryRun: order.DryRun), CancellationToken.None);
        return new(null, error, []);
    }

    public Task<IReadOnlyList<UpgradeView>> ListAsync(CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<UpgradeView>>([.. _runs.Select(r => r.View())]);
    }

    public Task<UpgradeView?> GetAsync(string id, CancellationToken ct = default) => Task.FromResult(Find(id)?.View());

    public async IAsyncEnumerable<UpgradeEvent> FollowAsync(string id, long from = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var run = Find(id) ?? throw new KeyNotFoundException($"No upgrade '{id}' on this engine (runs are kept until it stops).");
        var next = Math.Max(0, from);
        string? step = null;
        while (true)
        {
            var (lines, first, ended, changed, now) = run.Since(next);
            next = Math.Max(next, first);
            foreach (var line in lines) yield return new(next++, line, null);
            if (ended) break;
            if (now != step) yield return new(next, null, null, step = now);
            await changed.WaitAsync(ct);
        }
        yield return new(next, null, run.View());
    }

    public async Task<OperationError?> CancelAsync(Actor actor, string id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (Find(id) is not { } run) return new(ErrorCode.NotFound, $"No upgrade '{id}' on this engine.");
        var refused = !May(actor.Role, options.OperatorsMay)
            ? new OperationError(ErrorCode.Forbidden, $"The {Roles.Name(actor.Role)} role may not cancel upgrades.")
            : run.State != UpgradeState.Running ? new OperationError(ErrorCode.NotSupported, $"The upgrade into '{run.Order.Name}' has ended already.") : null;
        await audit.AppendAsync(AuditRecords.For(actor, "cancel-upgrade", run.Order.Name, refused is null ? Outcome.Succeeded : Outcome.Refused, refused,
            message: refused is null ? $"asked to cancel upgrade {id} (started by {run.Actor.Name})" : null), ct);
        if (refused is null) run.Cancel();
        return refused;
    }

    /// <summary>
    /// The console is stopping: no upgrade starts from now on, the running one is cancelled as from the page
    /// (its command stopped, its BE unmounted and marked failed, a <c>cancel-upgrade</c> row by the system),
    /// and this waits until it has ended and its row is written, so that a stop leaves nothing for the next
    /// start to finish. What <paramref name="ct"/> (the host's time to stop) cuts off is finished at the next
    /// start as after a crash.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        List<Run> running;
        lock (_gate)
        {
            _stopping = true;
            running = [.. _runs.Where(r => r.State == UpgradeState.Running)];
        }
        foreach (var run in running)
        {
            run.Add("[the console is stopping: the upgrade is cancelled]");
            await audit.AppendAsync(AuditRecords.For(Actor.System, "cancel-upgrade", run.Order.Name, Outcome.Succeeded,
                message: $"the console stopped while upgrade {run.Id} (started by {run.Actor.Name}) ran"), CancellationToken.None);
            run.Cancel();
        }
        await Task.WhenAll(running.Select(r => r.Finished)).WaitAsync(ct);
    }

    private Run? Find(string id)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.Id == id);
    }

    private async Task RunAsync(Run run, UpgradeWorkflow workflow)
    {
        UpgradeResult? result = null;
        OperationResult? activated = null;
        string? crash = null;
        try
        {
            result = await workflow.RunAsync(new UpgradeRequest(run.Order.Name, run.Order.Source, run.Order.Description, run.Order.PlanToken),
                new RunRequest { Actor = run.Actor }, new UpgradeProgress(run.Add, run.SetStep, run.SetCommand), run.Cancelled);
            if (result.Succeeded && run.Order.Activate)
            {
                run.SetStep($"activating {run.Order.Name}");
                activated = await operations.RunPartAsync(run.Actor, new ActivateBe(run.Order.Name), dryRun: false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The engine's own parts never throw for a host's refusal; this is a fault of the console itself.
            crash = $"The upgrade stopped on an error of the console: {ex.Message}";
            run.Add(crash);
        }
        run.End(result, activated, crash, time.GetUtcNow());
        try
        {
            await audit.AppendAsync(AuditRow(run.Actor, run.View(), run.OutputTail()), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            run.Add($"[its audit row could not be written: {ex.Message}]");
        }
        finally
        {
            run.Finish();
        }
    }

    /// <summary>The one row of the whole run: who, what came of it, the command and how it ended, what it staged, the end of its output.</summary>
    private static AuditRecord AuditRow(Actor actor, UpgradeView view, string output)
    {
        var outcome = view.State switch
        {
            UpgradeState.Staged => Outcome.Succeeded,
            UpgradeState.NotStarted when view.Parts.FirstOrDefault(p => !p.Succeeded) is { Outcome: Outcome.Refused } => Outcome.Refused,
            _ => Outcome.Failed,
        };
        var text = new StringBuilder(view.Message);
        if (view.Command.Count > 0) text.Append($"\n$ {string.Join(' ', view.Command)}: {view.Ran?.Summary ?? "did not run"}");
        if (view.Staged.Count > 0) text.Append($"\nstaged for its first boot:\n  {string.Join("\n  ", view.Staged)}");
        if (view.Activated is { } activated) text.Append($"\nactivate: {AuditRecords.Text(activated.Outcome)} {activated.Error?.Message}".TrimEnd());
        if (output.Length > 0) text.Append($"\n--- output{(output.Length >= AuditedOutput ? " (its end)" : "")} ---\n{output}");
        var error = view.Parts.FirstOrDefault(p => p.Error is not null)?.Error;
        return AuditRecords.For(actor, Action, view.Name, outcome, error, text.ToString(),
            (long)((view.Ended ?? view.Started) - view.Started).TotalMilliseconds);
    }

    /// <summary>The dry run's steps numbered in one list: the engine's parts, then the command and the finish in words.</summary>
    private static List<PlannedStep> PlanSteps(UpgradePlan plan)
    {
        var steps = new List<PlannedStep>();
        void Add(string description, IReadOnlyList<string> argv) => steps.Add(new(steps.Count + 1, description, argv));
        foreach (var part in plan.Parts)
        {
            if (!part.Succeeded) break;
            foreach (var step in part.Steps) Add($"{part.Action}: {step.Description}", step.Argv);
            if (part.Action == "stage" && plan.Command.Count > 0) Add("run the package command in the staged alternate root", plan.Command);
            if (part.Action == "stage") foreach (var line in plan.Finish ?? []) Add($"finish-upgrade: {line}", []);
        }
        return steps;
    }

    private static string NewId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    /// <summary>One run: its order, its output lines and followers' wake-up, its end.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001",
        Justification = "The cancel source has no timer and no wait handle; it lives as long as the engine keeps the run.")]
    private sealed class Run(string id, UpgradeOrder order, Actor actor, DateTimeOffset started)
    {
        private readonly object _gate = new();
        private readonly List<string> _lines = [];
        private readonly CancellationTokenSource _cancel = new();
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _first;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string _step = "starting";
        private IReadOnlyList<string> _command = [];
        private UpgradeResult? _result;
        private OperationResult? _activated;
        private string? _message;
        private DateTimeOffset? _ended;

        public string Id => id;
        public UpgradeOrder Order => order;
        public Actor Actor => actor;
        public CancellationToken Cancelled => _cancel.Token;

        public UpgradeState State
        {
            get
            {
                lock (_gate) return StateOf();
            }
        }

        private UpgradeState StateOf() => _ended is null ? UpgradeState.Running : _result?.Outcome switch
        {
            UpgradeOutcome.Staged => UpgradeState.Staged,
            UpgradeOutcome.NotStarted => UpgradeState.NotStarted,
            _ => UpgradeState.Failed,
        };

        public void Cancel() => _cancel.Cancel();

        /// <summary>Ended and audited (or its row failed): nothing of it runs any more.</summary>
        public Task Finished => _finished.Task;

        public void Finish() => _finished.TrySetResult();

        public void SetStep(string step)
        {
            lock (_gate) _step = step;
            Wake();
        }

        public void SetCommand(IReadOnlyList<string> argv)
        {
            lock (_gate) _command = argv;
        }

        public void Add(string line)
        {
            lock (_gate)
            {
                _lines.Add(line);
                if (_lines.Count > LinesKept)
                {
                    _lines.RemoveRange(0, _lines.Count - LinesKept);
                    _first++;
                }
            }
            Wake();
        }

        private void Wake()
        {
            TaskCompletionSource woken;
            lock (_gate)
            {
                woken = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            woken.TrySetResult();
        }

        public (IReadOnlyList<string> Lines, long First, bool Ended, Task Changed, string Step) Since(long from)
        {
            lock (_gate)
            {
                var skip = (int)Math.Max(0, from - _first);
                return ([.. _lines.Skip(skip)], Math.Max(from, _first), _ended is not null, _changed.Task, _step);
            }
        }

        public void End(UpgradeResult? result, OperationResult? activated, string? crash, DateTimeOffset ended)
        {
            lock (_gate)
            {
                _result = result;
                _activated = activated;
                _ended = ended;
                _step = "done";
                _message = crash ?? result?.Outcome switch
                {
                    UpgradeOutcome.Staged => $"{order.Name} is upgraded; its shared-directory writes wait in it for its first boot.",
                    UpgradeOutcome.CommandFailed => $"The package command did not pass: {order.Name} is marked failed and unmounted; nothing reached the shared data.",
                    UpgradeOutcome.FinishFailed => $"The command passed but its writes could not be kept: {order.Name} is marked failed.",
                    _ => result?.Parts.LastOrDefault(p => p.Error is not null)?.Error?.Message ?? "Nothing was started.",
                };
            }
            Wake();
        }

        /// <summary>The end of the output for the audit row.</summary>
        public string OutputTail()
        {
            lock (_gate)
            {
                var text = string.Join('\n', _lines);
                return text.Length <= AuditedOutput ? text : text[^AuditedOutput..];
            }
        }

        public UpgradeView View()
        {
            lock (_gate)
            {
                var ran = _result?.Command is { } c ? new UpgradeCommandEnd(c.End, c.ExitCode, c.Summary, c.Took.TotalSeconds) : null;
                var staged = _result?.Parts.Where(p => p.Action == "finish-upgrade").SelectMany(p => FinishUpgrade.StagedLines(p.Report)).ToList() ?? [];
                return new(id, order.Name, order.Source, actor.Name, started, _ended, StateOf(), _step, _command, order.Activate, ran,
                    staged, _result?.Parts ?? [], _activated, _message, _first + _lines.Count);
            }
        }
    }
}
