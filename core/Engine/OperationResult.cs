namespace SnapUpgrade.Core.Engine;

public enum Outcome { Succeeded, Failed, Refused, Interrupted }

/// <summary>What became of one operation. Refusals and failures carry an <see cref="OperationError"/>.</summary>
public sealed record OperationResult
{
    public required string Action { get; init; }
    public string? Target { get; init; }
    public required Outcome Outcome { get; init; }
    public bool DryRun { get; init; }
    public OperationError? Error { get; init; }
    /// <summary>The plan (dry run) or the steps that ran.</summary>
    public IReadOnlyList<PlannedStep> Steps { get; init; } = [];
    /// <summary>
    /// A successful dry run's plan, as a token to send back (<see cref="Engine.RunRequest.Reviewed"/>)
    /// so that the run does exactly these steps or nothing.
    /// </summary>
    public string? PlanToken { get; init; }
    /// <summary>What the operation did, in sentences (e.g. what a migration moved).</summary>
    public IReadOnlyList<string> Report { get; init; } = [];
    /// <summary>For activations: the BE that was active on reboot before, and the one after.</summary>
    public string? FromBe { get; init; }
    public string? ToBe { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>The journal row of a run that changed (or tried to change) the host; null for refusals and dry runs.</summary>
    public long? JournalId { get; init; }
    /// <summary>For a shared-health check: the report it made.</summary>
    public Model.SharedHealthReport? SharedHealth { get; init; }

    public bool Succeeded => Outcome == Outcome.Succeeded;
}
