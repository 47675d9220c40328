using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>The reboot hook's adapter, with real processes standing in for <c>systemctl reboot</c>.</summary>
public sealed class RebootCommandTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task RequestAsync_CommandSucceeds_RunsTheArgvAsGiven()
    {
        var marker = _dir.Combine("rebooted; rm -rf x");
        var reboot = new RebootCommand(["touch", marker], new ProcessRunner());

        await reboot.RequestAsync(Ct);

        Assert.True(File.Exists(marker));
        Assert.Equal(["touch", marker], reboot.Argv);
    }

    [Fact]
    public async Task RequestAsync_CommandFails_ThrowsNamingTheCommandExitCodeAndStderr()
    {
        var reboot = new RebootCommand(["ls", "/nonexistent-snapupgrade"], new ProcessRunner());

        var error = await Assert.ThrowsAsync<IOException>(() => reboot.RequestAsync(Ct));

        Assert.StartsWith("The reboot command `ls /nonexistent-snapupgrade` failed (exit 2): ", error.Message, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", error.Message);
    }

    [Fact]
    public async Task RequestAsync_CommandHangs_ThrowsAfterItsTimeLimit()
    {
        var reboot = new RebootCommand(["sleep", "30"], new ProcessRunner(), TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAsync<IOException>(() => reboot.RequestAsync(Ct));

        Assert.StartsWith("The reboot command `sleep 30` failed: ", error.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(error.InnerException);
    }

    [Fact]
    public async Task RequestAsync_NoSuchProgram_ThrowsNamingIt()
    {
        var reboot = new RebootCommand(["snapupgrade-no-such-reboot"], new ProcessRunner());

        var error = await Assert.ThrowsAsync<IOException>(() => reboot.RequestAsync(Ct));

        Assert.Contains("snapupgrade-no-such-reboot", error.Message);
    }

    [Fact]
    public void New_EmptyArgvOrWord_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new RebootCommand([], new ProcessRunner()));
        Assert.Throws<ArgumentException>(() => new RebootCommand(["systemctl", " "], new ProcessRunner()));
    }
}
