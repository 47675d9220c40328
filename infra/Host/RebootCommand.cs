using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IHostReboot"/> as the configured argv (<c>SnapUpgrade:RebootCommand</c>, e.g.
/// <c>systemctl reboot</c>), run without a shell. Such commands return once the init system took the
/// request; the time limit only guards against one that hangs instead.
/// </summary>
public sealed class RebootCommand : IHostReboot
{
    private readonly IProcessRunner _runner;
    private readonly TimeSpan _timeout;

    public RebootCommand(IReadOnlyList<string> argv, IProcessRunner runner, TimeSpan? timeout = null)
    {
        if (argv.Count == 0 || argv.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("A reboot command is an argv list of non-empty words.", nameof(argv));
        Argv = argv;
        _runner = runner;
        _timeout = timeout ?? TimeSpan.FromMinutes(1);
    }

    public IReadOnlyList<string> Argv { get; }

    /// <exception cref="IOException">The command exited non-zero (its exit code and stderr), could not start, or ran out of time.</exception>
    public async Task RequestAsync(CancellationToken ct = default)
    {
        ProcessResult result;
        try
        {
            result = await _runner.RunAsync(Argv, _timeout, ct);
        }
        catch (Exception ex) when (ex is TimeoutException or IOException)
        {
            throw new IOException($"The reboot command `{string.Join(' ', Argv)}` failed: {ex.Message}", ex);
        }
        if (!result.Succeeded)
            throw new IOException($"The reboot command `{string.Join(' ', Argv)}` failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
    }
}
