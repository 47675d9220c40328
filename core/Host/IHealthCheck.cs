namespace SnapUpgrade.Core.Host;

/// <summary>
/// The host's own judgement of a trial boot: the configured health command (an argv, never a shell
/// line), run after the trial BE's boot until it passes or its time is up. Implementation:
/// <c>HealthCommand</c>. Without one configured, the user decides (Keep or Go back).
/// </summary>
public interface IHealthCheck
{
    /// <summary>What runs, for logs and the audit's report.</summary>
    IReadOnlyList<string> Argv { get; }

    /// <summary>Runs the command, again after each failure, until it exits 0 or the time limit is up.</summary>
    Task<HealthVerdict> RunAsync(CancellationToken ct = default);
}

/// <param name="Passed">The command exited 0 within the limit.</param>
/// <param name="Detail">A sentence: how it passed, or its last exit code and stderr, or that time ran out.</param>
public sealed record HealthVerdict(bool Passed, string Detail);
