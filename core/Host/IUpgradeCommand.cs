namespace SnapUpgrade.Core.Host;

/// <summary>
/// The host's package command for upgrades (ADR 0026): an argv from the host's settings, with
/// <c>{root}</c> standing for the alternate root the new BE is mounted at and <c>{be}</c> for its name,
/// checked by <see cref="Upgrade.UpgradeCommandPolicy"/>; never a string from a browser or an API client.
/// Implementations: <c>UpgradeCommand</c> (a process) and the simulator's.
/// </summary>
public interface IUpgradeCommand
{
    /// <summary>The argv as configured, placeholders unfilled.</summary>
    IReadOnlyList<string> Argv { get; }

    /// <summary>What runs for the BE <paramref name="be"/> mounted at the host path <paramref name="root"/>: for plans and dry runs.</summary>
    IReadOnlyList<string> Describe(string root, string be);

    /// <summary>
    /// Runs the command and reports each line of its output (stdout and stderr as they come) to
    /// <paramref name="output"/>. Never throws for the command's own failure, time-out or cancellation:
    /// those are in the result; the process tree is gone when it returns.
    /// </summary>
    Task<CommandRun> RunAsync(string root, string be, Action<string> output, CancellationToken ct = default);
}

public enum CommandEnd
{
    /// <summary>It ended by itself; <see cref="CommandRun.ExitCode"/> says how.</summary>
    Exited,
    /// <summary>It ran past the time limit and was killed with its children.</summary>
    TimedOut,
    /// <summary>It was cancelled and killed with its children.</summary>
    Cancelled,
    /// <summary>It could not be started (missing program); <see cref="CommandRun.Output"/> says why.</summary>
    NotStarted,
}

/// <param name="Output">What it printed, its last <see cref="UpgradeOutput.Keep"/> characters when it printed more.</param>
/// <param name="OutputCut">Whether the start of the output was cut to keep its end.</param>
public sealed record CommandRun(CommandEnd End, int? ExitCode, string Output, bool OutputCut, TimeSpan Took)
{
    public bool Succeeded => End == CommandEnd.Exited && ExitCode == 0;

    /// <summary>One sentence for reports and audit rows.</summary>
    public string Summary => End switch
    {
        CommandEnd.Exited => $"exit {ExitCode} after {Took.TotalSeconds:0.#} s",
        CommandEnd.TimedOut => $"stopped at the time limit after {Took.TotalSeconds:0.#} s",
        CommandEnd.Cancelled => $"cancelled after {Took.TotalSeconds:0.#} s",
        _ => "could not be started",
    };
}

/// <summary>The output a run keeps: the end of it, bounded, with a note when the start was cut.</summary>
public sealed class UpgradeOutput
{
    /// <summary>How much of a run's output is kept (its end): enough for apt's and dnf's summaries and errors.</summary>
    public const int Keep = 256 * 1024;

    private readonly System.Text.StringBuilder _text = new();
    private readonly object _gate = new();

    public bool Cut { get; private set; }

    public void Add(string line)
    {
        lock (_gate)
        {
            _text.Append(line).Append('\n');
            if (_text.Length <= Keep) return;
            // Cut at a line boundary, at least a quarter at a time, so adding stays cheap.
            var cut = _text.Length - Keep + Keep / 4;
            var newline = _text.ToString(cut, Math.Min(_text.Length - cut, 4096)).IndexOf('\n');
            _text.Remove(0, newline < 0 ? cut : cut + newline + 1);
            Cut = true;
        }
    }

    public override string ToString()
    {
        lock (_gate) return _text.ToString();
    }
}
