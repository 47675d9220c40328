namespace SnapUpgrade.Infra.Processes;

/// <summary>
/// Runs one program with an argv list, never through a shell, and captures its output.
/// A non-zero exit is a result, not an exception: callers decide what it means.
/// </summary>
public interface IProcessRunner
{
    /// <summary>
    /// Runs <paramref name="argv"/> (argv[0] is the program, looked up on PATH). On cancellation or
    /// when <paramref name="timeout"/> passes, the whole process tree is killed first, then
    /// <see cref="OperationCanceledException"/> or <see cref="TimeoutException"/> is thrown.
    /// </summary>
    Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, TimeSpan? timeout = null, CancellationToken ct = default);
}
