using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>The trial boot's health command, with real processes: passes, fails until the limit, comes good late.</summary>
public sealed class HealthCommandTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static HealthCommand Health(string[] argv, double limitSeconds = 2) =>
        new(argv, TimeSpan.FromSeconds(limitSeconds), new ProcessRunner(), retryEvery: TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task RunAsync_CommandExitsZero_Passes()
    {
        var verdict = await Health(["true"]).RunAsync(Ct);

        Assert.True(verdict.Passed);
        Assert.Contains("`true` passed (exit 0, run 1", verdict.Detail);
    }

    [Fact]
    public async Task RunAsync_CommandKeepsFailing_FailsWhenTheTimeIsUpNamingTheLastExit()
    {
        var verdict = await Health(["ls", "/nonexistent-snapupgrade"], limitSeconds: 2).RunAsync(Ct);

        Assert.False(verdict.Passed);
        Assert.StartsWith("`ls /nonexistent-snapupgrade` did not pass within 2 s (", verdict.Detail, StringComparison.Ordinal);
        // the exit of the last run that ended, even when the limit cut off a later one (a busy machine)
        Assert.Contains("last: exit 2: ", verdict.Detail);
        Assert.DoesNotContain("(1 run(s)", verdict.Detail); // it was tried again while there was time
    }

    [Fact]
    public async Task RunAsync_CommandPassesOnlyLater_IsTriedAgainUntilItDoes()
    {
        var ready = _dir.Combine("ready");
        var health = Health(["test", "-e", ready], limitSeconds: 20);

        var running = health.RunAsync(Ct);
        await Task.Delay(300, Ct);
        await File.WriteAllTextAsync(ready, "", Ct);
        var verdict = await running;

        Assert.True(verdict.Passed);
        Assert.DoesNotContain("run 1,", verdict.Detail);
    }

    [Fact]
    public async Task RunAsync_CommandHangs_FailsAtTheLimit()
    {
        var verdict = await Health(["sleep", "30"], limitSeconds: 0.5).RunAsync(Ct);

        Assert.False(verdict.Passed);
        Assert.Contains("did not pass within", verdict.Detail);
    }

    /// <summary>A run cut off at the limit after runs that failed by themselves: the verdict names both.</summary>
    [Fact]
    public async Task RunAsync_FailsThenHangs_NamesTheLastExitAndTheCutOffRun()
    {
        var flag = _dir.Combine("failed-once");
        var verdict = await Health(["sh", "-c", $"if [ -e {flag} ]; then sleep 30; else touch {flag}; exit 3; fi"], limitSeconds: 2).RunAsync(Ct);

        Assert.False(verdict.Passed);
        Assert.Contains("(2 run(s); last: exit 3; run 2 was cut off at the limit)", verdict.Detail);
    }

    [Fact]
    public async Task RunAsync_NoSuchProgram_FailsNamingIt()
    {
        var verdict = await Health(["snapupgrade-no-such-health"], limitSeconds: 0.3).RunAsync(Ct);

        Assert.False(verdict.Passed);
        Assert.Contains("snapupgrade-no-such-health", verdict.Detail);
    }

    [Fact]
    public void New_EmptyArgvOrNoTime_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Health([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Health(["true"], limitSeconds: 0));
    }
}
