using System.Runtime.CompilerServices;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Tests.Component.Fakes;

/// <summary>
/// A hand-written <see cref="IUpgrades"/>: a dry run answers with <see cref="Plan"/> and a token (<c>token-N</c>, N
/// the order's number), a start makes a run
/// whose output the test writes line by line (<see cref="Print"/>) and ends (<see cref="End"/>); followers
/// get what was printed, then each new line as it comes. Records every order and cancel.
/// </summary>
public sealed class FakeUpgrades : IUpgrades
{
    private readonly Lock _gate = new();
    private readonly List<Run> _runs = []; // oldest first

    public IReadOnlyList<PlannedStep> Plan { get; set; } =
    [
        new(1, "Create the boot environment", ["zfs", "clone", "rpool/ROOT/be-2026-01@up", "rpool/ROOT/new"]),
        new(2, "Run the package command in the staged alternate root", ["chroot", "/mnt/new", "apt-get", "-y", "dist-upgrade"]),
    ];
    /// <summary>When set, every start (dry or not) is refused with it.</summary>
    public OperationError? Refusal { get; set; }
    /// <summary>When set, every cancel is refused with it.</summary>
    public OperationError? CancelRefusal { get; set; }
    public List<(Actor Actor, UpgradeOrder Order)> Orders { get; } = [];
    public List<(Actor Actor, string Id)> Cancels { get; } = [];

    /// <summary>A run as if started earlier (e.g. by someone else), with its lines printed so far.</summary>
    public UpgradeView Add(UpgradeView view, params string[] lines)
    {
        lock (_gate) _runs.Add(new Run(view, [.. lines]));
        return view;
    }

    public static UpgradeView Running(string id, string name, string step = "Running the package command") => new(
        id, name, "be-2026-01", "alice", HostStates.T0, null, UpgradeState.Running, step, [], false, null, [], [], null, null, 0);

    /// <summary>The view of a run that passed, with what it staged.</summary>
    public static UpgradeView Staged(UpgradeView run, params string[] staged) => run with
    {
        State = UpgradeState.Staged,
        Step = "done",
        Ended = HostStates.T0.AddMinutes(2),
        Command = ["chroot", $"/mnt/{run.Name}", "simulated-apt-get", "dist upgrade"],
        Ran = new UpgradeCommandEnd(CommandEnd.Exited, 0, "exited with 0", 2.1),
        Staged = staged,
        Parts =
        [
            new OperationResult { Action = "create", Target = run.Name, Outcome = Outcome.Succeeded },
            new OperationResult { Action = "stage-upgrade", Target = run.Name, Outcome = Outcome.Succeeded },
            new OperationResult { Action = "finish-upgrade", Target = run.Name, Outcome = Outcome.Succeeded },
        ],
    };

    /// <summary>The newest run as it stands.</summary>
    public UpgradeView Latest
    {
        get { lock (_gate) return _runs[^1].View; }
    }

    public void Print(string id, params string[] lines)
    {
        var run = Find(id);
        lock (_gate)
        {
            run.Lines.AddRange(lines);
            run.Changed();
        }
    }

    public void End(UpgradeView end)
    {
        var run = Find(end.Id);
        lock (_gate)
        {
            run.View = run.Ended = end;
            run.Changed();
        }
    }

    /// <summary>What the run is doing now, as <see cref="GetAsync"/> answers and <see cref="FollowAsync"/> says.</summary>
    public void Step(string id, string step)
    {
        var run = Find(id);
        lock (_gate)
        {
            run.View = run.View with { Step = step };
            run.Changed();
        }
    }

    /// <summary>What <see cref="RefusalAsync"/> says to admins and operators (auditors are always refused, as the engine does).</summary>
    public OperationError? HostRefusal { get; set; }

    public Task<OperationError?> RefusalAsync(Actor actor, CancellationToken ct = default) => Task.FromResult(actor.Role == Role.Auditor
        ? new OperationError(ErrorCode.Forbidden, "The auditor role may not run upgrades.")
        : HostRefusal);

    public Task<UpgradeStart> StartAsync(Actor actor, UpgradeOrder order, CancellationToken ct = default)
    {
        lock (_gate) Orders.Add((actor, order));
        if (Refusal is not null) return Task.FromResult(new UpgradeStart(null, Refusal, []));
        if (order.DryRun) return Task.FromResult(new UpgradeStart(null, null, Plan, $"token-{Orders.Count}"));
        var view = Running($"u{_runs.Count + 1}", order.Name) with { Source = order.Source, Actor = actor.Name, Activate = order.Activate };
        Add(view);
        return Task.FromResult(new UpgradeStart(view, null, []));
    }

    public Task<IReadOnlyList<UpgradeView>> ListAsync(CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<UpgradeView>>([.. _runs.Select(r => r.View).Reverse()]);
    }

    public Task<UpgradeView?> GetAsync(string id, CancellationToken ct = default)
    {
        lock (_gate) return Task.FromResult(_runs.FirstOrDefault(r => r.View.Id == id)?.View);
    }

    public async IAsyncEnumerable<UpgradeEvent> FollowAsync(string id, long from = 0, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var run = Find(id);
        var next = from;
        string? said = null;
        while (true)
        {
            Task changed;
            List<string> lines;
            UpgradeView? end;
            string step;
            lock (_gate) (changed, lines, end, step) = (run.Next.Task, run.Lines.Skip((int)next).ToList(), run.Ended, run.View.Step);
            foreach (var line in lines) yield return new UpgradeEvent(next++, line, null);
            if (end is not null)
            {
                yield return new UpgradeEvent(next, null, end);
                yield break;
            }
            if (step != said) yield return new UpgradeEvent(next, null, null, said = step);
            await changed.WaitAsync(ct);
        }
    }

    public Task<OperationError?> CancelAsync(Actor actor, string id, CancellationToken ct = default)
    {
        lock (_gate) Cancels.Add((actor, id));
        return Task.FromResult(CancelRefusal);
    }

    private Run Find(string id)
    {
        lock (_gate) return _runs.FirstOrDefault(r => r.View.Id == id) ?? throw new KeyNotFoundException($"No upgrade {id}.");
    }

    private sealed class Run(UpgradeView view, List<string> lines)
    {
        public UpgradeView View { get; set; } = view;
        public UpgradeView? Ended { get; set; }
        public List<string> Lines { get; } = lines;
        public TaskCompletionSource Next { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Wakes the followers; called under the fake's lock.</summary>
        public void Changed()
        {
            Next.TrySetResult();
            Next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
