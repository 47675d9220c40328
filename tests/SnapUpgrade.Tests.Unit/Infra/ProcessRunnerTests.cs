using System.Diagnostics;
using SnapUpgrade.Infra.Processes;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class ProcessRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_ArgvWithShellCharacters_PassesThemLiterally()
    {
        var result = await new ProcessRunner().RunAsync(["printf", "%s|", "a b", "$HOME", "; rm -rf /"], ct: Ct);

        Assert.Equal((0, "a b|$HOME|; rm -rf /|"), (result.ExitCode, result.StandardOutput));
    }

    [Fact]
    public async Task RunAsync_FailingProgram_ReturnsExitCodeAndStderr()
    {
        var result = await new ProcessRunner().RunAsync(["ls", "/nonexistent-snapupgrade"], ct: Ct);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("No such file or directory", result.StandardError); // LC_ALL=C
        Assert.Throws<ProcessFailedException>(() => result.EnsureSuccess());
    }

    [Fact]
    public async Task RunAsync_Timeout_KillsTheProcessTreeAndThrows()
    {
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAsync<TimeoutException>(() =>
            new ProcessRunner().RunAsync(["sh", "-c", "sleep 30 & wait"], TimeSpan.FromMilliseconds(300), Ct));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ProcessRunner().RunAsync(["sleep", "30"], ct: cts.Token));
    }

    [Fact]
    public async Task RunAsync_ProgramReadingStdin_GetsEndOfFileInsteadOfHanging()
    {
        var result = await new ProcessRunner().RunAsync(["cat"], TimeSpan.FromSeconds(10), Ct);

        Assert.Equal((0, ""), (result.ExitCode, result.StandardOutput));
    }

    [Fact]
    public async Task RunAsync_MissingProgram_ThrowsFileNotFoundNamingIt()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() =>
            new ProcessRunner().RunAsync(["snapupgrade-no-such-program"], ct: Ct));

        Assert.Equal("snapupgrade-no-such-program", error.FileName);
    }
}
