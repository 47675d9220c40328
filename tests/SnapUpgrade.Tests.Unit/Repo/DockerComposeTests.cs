using System.Diagnostics;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Repo;

/// <summary>No Docker engine runs on these machines: Debian's docker-compose validates the file only.</summary>
public sealed class DockerComposeTests : IDisposable
{
    readonly string _temp = Directory.CreateTempSubdirectory("snapupgrade-compose-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public async Task ComposeFile_IsValid()
    {
        var compose = RequiredTool.Require("docker-compose", "apt-get install docker-compose");

        var (exit, output) = await RunAsync(compose, RepoRoot.Find(), "config", "-q");

        Assert.True(exit == 0, $"docker-compose config failed (exit {exit}):\n{output}");
    }

    [Fact]
    public async Task CommentedRealHostVariant_IsValidWhenUncommented()
    {
        var compose = RequiredTool.Require("docker-compose", "apt-get install docker-compose");
        var lines = await File.ReadAllLinesAsync(
            Path.Combine(RepoRoot.Find(), "docker-compose.yml"), TestContext.Current.CancellationToken);
        var variant = lines.SkipWhile(l => l != "  # console:").TakeWhile(l => l.StartsWith("  #", StringComparison.Ordinal))
            .Select(l => l.StartsWith("  # ", StringComparison.Ordinal) ? "  " + l[4..] : "")
            .ToList();
        Assert.Contains("      SnapUpgrade__Backend: zfs", variant);
        await File.WriteAllLinesAsync(Path.Combine(_temp, "docker-compose.yml"), ["services:", .. variant],
            TestContext.Current.CancellationToken);

        var (exit, output) = await RunAsync(compose, _temp, "config", "-q");

        Assert.True(exit == 0, $"the real-host variant does not validate (exit {exit}):\n{output}");
    }

    static async Task<(int Exit, string Output)> RunAsync(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
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
