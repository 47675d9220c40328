using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>Answers by the longest command prefix given ("zpool list", "zfs get", "zfs get -H -p -o value")
/// and records every call.</summary>
internal sealed class FakeProcessRunner : IProcessRunner
{
    private readonly Dictionary<string, ProcessResult> _answers = new(StringComparer.Ordinal);

    public List<IReadOnlyList<string>> Calls { get; } = [];

    public FakeProcessRunner Answer(string command, int exitCode, string stdout, string stderr = "")
    {
        _answers[command] = new ProcessResult([], exitCode, stdout, stderr);
        return this;
    }

    public Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        lock (Calls) Calls.Add(argv);
        var line = string.Join(' ', argv);
        var key = _answers.Keys.Where(k => line == k || line.StartsWith(k + " ", StringComparison.Ordinal))
            .MaxBy(k => k.Length);
        return Task.FromResult(key is not null
            ? _answers[key] with { Argv = argv }
            : new ProcessResult(argv, 0, "", ""));
    }
}
