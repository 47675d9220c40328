using SnapUpgrade.Infra.Process;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>Answers by argv[0..1] ("zpool list", "zfs get", ...) and records every call.</summary>
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
        var key = string.Join(' ', argv.Take(2));
        return Task.FromResult(_answers.TryGetValue(key, out var answer)
            ? answer with { Argv = argv }
            : new ProcessResult(argv, 0, "", ""));
    }
}
