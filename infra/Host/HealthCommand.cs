using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IHealthCheck"/> as the configured argv (<c>SnapUpgrade:TrialHealthCommand</c>, e.g.
/// <c>systemctl is-system-running --wait</c>), run without a shell: again every <c>retryEvery</c> while it
/// fails, each run limited to what is left of <c>limit</c>, so a host whose services take a while
/// to come up still passes, and one that hangs fails when the time is up.
/// </summary>
public sealed class HealthCommand : IHealthCheck
{
    private readonly IProcessRunner _runner;
    private readonly TimeSpan _limit;
    private readonly TimeSpan _retryEvery;
    private readonly TimeProvider _time;

    public HealthCommand(IReadOnlyList<string> argv, TimeSpan limit, IProcessRunner runner, TimeProvider? time = null, TimeSpan? retryEvery = null)
    {
        if (argv.Count == 0 || argv.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("A health command is an argv list of non-empty words.", nameof(argv));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        Argv = argv;
        _limit = limit;
        _runner = runner;
        _time = time ?? TimeProvider.System;
        _retryEvery = retryEvery ?? TimeSpan.FromSeconds(5);
    }

    public IReadOnlyList<string> Argv { get; }

    public async Task<HealthVerdict> RunAsync(CancellationToken ct = default)
    {
        var started = _time.GetTimestamp();
        var command = string.Join(' ', Argv);
        var last = "it did not run";
        string? finished = null; // the last run that ended by itself: what the admin needs when a later one is cut off
        for (var attempt = 1; ; attempt++)
        {
            var left = _limit - _time.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                return new(false, $"`{command}` did not pass within {_limit.TotalSeconds:0} s ({attempt - 1} run(s); last: {last}).");
            try
            {
                var result = await _runner.RunAsync(Argv, left, ct);
                if (result.Succeeded)
                    return new(true, $"`{command}` passed (exit 0, run {attempt}, {_time.GetElapsedTime(started).TotalSeconds:0} s after the start).");
                last = finished = $"exit {result.ExitCode}{Stderr(result.StandardError)}";
            }
            catch (TimeoutException ex)
            {
                last = finished is null ? ex.Message : $"{finished}; run {attempt} was cut off at the limit";
            }
            catch (IOException ex)
            {
                last = finished = ex.Message;
            }
            var remaining = _limit - _time.GetElapsedTime(started);
            var wait = _retryEvery < remaining ? _retryEvery : remaining;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, ct);
        }
    }

    private static string Stderr(string text) => string.IsNullOrWhiteSpace(text) ? "" : $": {text.Trim()}";
}
