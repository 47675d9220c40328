namespace SnapUpgrade.Core.Operations;

/// <summary>
/// One planned action: what it does (for people), the exact argv (for dry runs and the audit),
/// how to do it and how to undo it. A step without <see cref="Undo"/> cannot be taken back: once
/// such a step has run the executor finishes the rest instead of undoing (roll forward).
/// </summary>
public sealed class Step
{
    public required string Description { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    public required Func<CancellationToken, Task> Run { get; init; }
    public Func<CancellationToken, Task>? Undo { get; init; }

    public PlannedStep ToPlanned(int index) => new(index, Description, Argv);
}

/// <summary>A step as it is reported: numbered, with its argv.</summary>
public sealed record PlannedStep(int Index, string Description, IReadOnlyList<string> Argv)
{
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

    public void Add(string description, IReadOnlyList<string> argv, Func<CancellationToken, Task> run,
        Func<CancellationToken, Task>? undo = null) =>
        Steps.Add(new Step { Description = description, Argv = argv, Run = run, Undo = undo });
}
