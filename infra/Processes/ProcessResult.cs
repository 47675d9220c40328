namespace SnapUpgrade.Infra.Processes;

public sealed record ProcessResult(IReadOnlyList<string> Argv, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws <see cref="ProcessFailedException"/> unless the exit code was 0.</summary>
    public ProcessResult EnsureSuccess() =>
        Succeeded ? this : throw new ProcessFailedException(Argv, ExitCode, StandardError);
}

/// <summary>A program other than zfs/zpool (mount, umount) exited non-zero.</summary>
public sealed class ProcessFailedException(IReadOnlyList<string> argv, int exitCode, string stderr)
    : IOException($"`{string.Join(' ', argv)}` failed (exit {exitCode}): {stderr.Trim()}")
{
    public IReadOnlyList<string> Argv { get; } = argv;
    public int ExitCode { get; } = exitCode;
    public string StandardError { get; } = stderr;
}
