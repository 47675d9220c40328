namespace SnapUpgrade.Core.Engine;

/// <summary>
/// One planned action: what it does (for people), the exact argv (for dry runs and the audit),
/// how to do it, and how to undo it as data (<see cref="Engine.Undo"/>). A step whose
/// <see cref="Undo"/> is a <see cref="RollForward"/> (the zfs command it runs) cannot be taken back:
/// once such a step has run the executor finishes the rest instead of undoing (roll forward), and
/// so does a restart after a crash, from the journalled commands. (null, as older consoles
/// journalled it, cannot be taken back either, nor finished after a crash.)
/// </summary>
public sealed class Step
{
    public required string Description { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    public required Func<StepRun, Task> Run { get; init; }
    public Undo? Undo { get; init; }

    /// <summary>After this step has run the operation can only be finished, not undone.</summary>
    public bool IsIrreversible => Engine.Undo.CannotTakeBack(Undo);

    public PlannedStep ToPlanned(int index) => new(index, Description, Argv);
}

/// <summary>
/// What a running step gets: the cancellation token, and a way to record, before it acts, the
/// undo of a change it decides on only while running (e.g. each entry a migration moves). Those
/// undos are journalled first, run in reverse before the step's own <see cref="Step.Undo"/>.
/// </summary>
public sealed class StepRun(Func<Undo, Task> will, CancellationToken ct)
{
    public CancellationToken Ct => ct;

    /// <summary>Records <paramref name="undo"/> (journalled) before the change it takes back is made.</summary>
    public Task WillAsync(Undo undo) => will(undo);

    /// <summary>For running a step outside any journal (tests, in-memory plans).</summary>
    public static StepRun Detached(List<Undo> sink, CancellationToken ct = default) =>
        new(u => { sink.Add(u); return Task.CompletedTask; }, ct);
}

/// <summary>A step as it is reported: numbered, with its argv.</summary>
public sealed record PlannedStep(int Index, string Description, IReadOnlyList<string> Argv)
{
    /// <summary>Commands that one step runs one after another, shown as one argv joined by "&amp;&amp;" (never run as a shell line).</summary>
    public static IReadOnlyList<string> Chain(IEnumerable<IReadOnlyList<string>> commands) =>
        [.. commands.SelectMany((a, i) => i == 0 ? a : ["&&", .. a])];

    public string CommandLine => string.Join(' ', Argv.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
}

/// <summary>The ordered steps of one operation, plus the report lines its steps add while running.</summary>
public sealed class Plan
{
    public List<Step> Steps { get; } = [];
    public List<string> Report { get; } = [];
    /// <summary>For activations: the BE active on reboot before, and the one chosen.</summary>
    public string? FromBe { get; set; }
    public string? ToBe { get; set; }
    /// <summary>For a shared-health check: what its read steps found.</summary>
    public Model.SharedHealthReport? SharedHealth { get; set; }

    /// <summary>
    /// Datasets the plan makes that its operation's scope does not cover (the snapshots a create or a
    /// snapshot takes of a BE read as file systems only): read again with the scope when the plan ran.
    /// </summary>
    public HashSet<string> Touches { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Snapshots the plan moves (a promote takes them over), by their name before and after: when the plan ran,
    /// they are known by their new names from what was known of them, and not read again (issue 13: activating a BE
    /// made from the booted one moves a snapshot for every BE made before it; reading them again by name cost
    /// zfs-fuse a quarter of a second at 1000 BEs). A promote moves them all or none, so the file systems read
    /// again show whether it did (<see cref="Zfs.ListingSplice.Contradiction"/>). A plan that failed and undid is read as it was.
    /// </summary>
    public Dictionary<string, string> Moves { get; } = new(StringComparer.Ordinal);

    /// <summary>An irreversible step is planned: from it on a crash is finished, not undone.</summary>
    public bool PastNoReturn => Steps.Any(s => s.IsIrreversible);

    /// <param name="undo">
    /// null, <see cref="RollForward"/> or <see cref="RebootAsked"/>: the step cannot be taken back (see <see cref="Step"/>).
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// A step after asking the host to reboot (<see cref="RebootAsked"/>: the host stops us then), or
    /// one that is not a zfs command to finish (<see cref="RollForward"/>) after the point of no return:
    /// a restart after a crash there could neither undo it nor finish it.
    /// </exception>
    public void Add(string description, IReadOnlyList<string> argv, Func<StepRun, Task> run, Undo? undo)
    {
        if (Steps.Count > 0 && Steps[^1].Undo is RebootAsked)
            throw new InvalidOperationException($"'{description}' comes after asking the host to reboot: nothing may follow that step.");
        if (PastNoReturn && undo is not (RollForward or RebootAsked))
            throw new InvalidOperationException($"'{description}' comes after the point of no return, so it must be a zfs command a restart can finish.");
        Steps.Add(new Step { Description = description, Argv = argv, Run = run, Undo = undo });
    }
}
