using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>Records the argv it was asked to run (the reboot command) and answers with a fixed exit code.</summary>
public sealed class RecordingProcessRunner : IProcessRunner
{
    public List<IReadOnlyList<string>> Runs { get; } = [];
    public int ExitCode { get; set; }

    public Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        lock (Runs) Runs.Add(argv);
        return Task.FromResult(new ProcessResult(argv, ExitCode, "", ExitCode == 0 ? "" : "no permission"));
    }
}
