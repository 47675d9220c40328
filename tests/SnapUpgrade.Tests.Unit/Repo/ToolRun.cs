using System.Diagnostics;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Repo;

/// <summary>Runs a command-line tool (argv, no shell), bounded to a minute; its exit code and stdout plus stderr.</summary>
static class ToolRun
{
    public static async Task<(int Exit, string Output)> RunAsync(string file, string? workingDirectory, params IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
