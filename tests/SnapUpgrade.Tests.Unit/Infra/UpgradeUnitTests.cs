using SnapUpgrade.Infra.Host;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>
/// The systemd-run argv an upgrade's command runs under as a transient unit (ADR 0026, addendum): the exact words
/// for a given command, environment, limit and unit name, and the names it gets. Running it needs systemd as
/// PID 1: <c>InstalledServiceTests</c> does, in a booted Debian container.
/// </summary>
public sealed class UpgradeUnitTests
{
    [Fact]
    public void SystemdRun_ACommand_IsWaitedForPipedBoundedAndGetsOnlyTheRunsEnvironment()
    {
        var env = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["LC_ALL"] = "C", ["DEBIAN_FRONTEND"] = "noninteractive" };

        var argv = UpgradeUnit.SystemdRun(["/usr/sbin/chroot", "/run/snapupgrade/mounts/be2", "apt-get", "-y", "dist-upgrade"], env,
            TimeSpan.FromMinutes(60), "snapupgrade-upgrade-rpool:be2.service");

        Assert.Equal(
        [
            "systemd-run", "--wait", "--pipe", "--quiet", "--collect", "--unit=snapupgrade-upgrade-rpool:be2.service", "--service-type=exec",
            "--property=KillMode=control-group", "--property=TimeoutStopSec=20", "--property=RuntimeMaxSec=3660", "--property=RestrictRealtime=yes",
            "--setenv=DEBIAN_FRONTEND=noninteractive", "--setenv=LC_ALL=C", "--setenv=PATH=/usr/bin:/bin",
            "--", "/usr/sbin/chroot", "/run/snapupgrade/mounts/be2", "apt-get", "-y", "dist-upgrade",
        ], argv);
    }

    [Fact]
    public void SystemdRun_AnArgumentLikeAnOption_StaysTheCommandsAfterTheDashes()
    {
        var argv = UpgradeUnit.SystemdRun(["/usr/bin/dpkg", "--root=/mnt/be2", "--unit=evil", "-i", "x.deb"], new Dictionary<string, string>(),
            TimeSpan.FromSeconds(90), "snapupgrade-upgrade-rpool:be2.service");

        var dashes = argv.ToList().IndexOf("--");
        Assert.Equal(["--", "/usr/bin/dpkg", "--root=/mnt/be2", "--unit=evil", "-i", "x.deb"], argv.Skip(dashes));
        Assert.Equal(["--unit=snapupgrade-upgrade-rpool:be2.service"], argv.Take(dashes).Where(a => a.StartsWith("--unit=", StringComparison.Ordinal)));
        Assert.Contains("--property=RuntimeMaxSec=150", argv); // the limit and the backstop's minute
    }

    [Fact]
    public void Name_APoolAndABe_IsRecognisableAndTheSameForEveryRunIntoThatBe()
    {
        Assert.Equal("snapupgrade-upgrade-rpool:2026.12_be-2.service", UpgradeUnit.Name("rpool", "2026.12_be-2"));
        Assert.Equal(UpgradeUnit.Name("rpool", "be2"), UpgradeUnit.Name("rpool", "be2"));
    }

    [Theory]
    [InlineData("a-b", "c", "a", "b-c")] // a '-' in either part
    [InlineData("tank:x", "be", "tank", "x:be")] // a ':' in the pool (allowed), and one in a BE (never allowed: escaped)
    [InlineData("rpool", "be2", "rpool2", "be2")]
    public void Name_TwoEnginesRuns_NeverShareAName(string pool, string be, string otherPool, string otherBe) =>
        Assert.NotEqual(UpgradeUnit.Name(pool, be), UpgradeUnit.Name(otherPool, otherBe));

    [Fact]
    public void Name_CharactersNoUnitNameHas_AreEscapedAsSystemdDoes()
    {
        // Names.Check never lets these through; the unit name still cannot become a pattern or a path.
        Assert.Equal(@"snapupgrade-upgrade-rpool:a\x2a\x2fb\x20\xc3\xa9\x3a.service", UpgradeUnit.Name("rpool", "a*/b é:"));
    }

    [Fact]
    public void Stop_ARunsUnit_IsOneSystemctlStop_AndAUnitNotLoadedIsNothingToStop()
    {
        Assert.Equal(["systemctl", "stop", "snapupgrade-upgrade-rpool:be2.service"], UpgradeUnit.Stop("snapupgrade-upgrade-rpool:be2.service"));
        Assert.True(UpgradeUnit.NothingToStop(5, "Failed to stop snapupgrade-upgrade-rpool:be2.service: Unit snapupgrade-upgrade-rpool:be2.service not loaded.\n"));
        Assert.False(UpgradeUnit.NothingToStop(1, "Job for snapupgrade-upgrade-rpool:be2.service canceled.\n"));
        Assert.False(UpgradeUnit.NothingToStop(5, "Access denied\n"));
    }

    [Fact]
    public async Task StopAsync_SaysNothingWhenStoppedOrNotLoaded_AndWhyWhenTheStopFailed()
    {
        const string Unit = "snapupgrade-upgrade-rpool:be2.service";
        var stopped = new FakeProcessRunner();
        Assert.Null(await UpgradeUnit.StopAsync(stopped, Unit));
        Assert.Equal([["systemctl", "stop", Unit]], stopped.Calls);

        var gone = new FakeProcessRunner().Answer("systemctl stop", 5, "", $"Failed to stop {Unit}: Unit {Unit} not loaded.\n");
        Assert.Null(await UpgradeUnit.StopAsync(gone, Unit));

        var refused = new FakeProcessRunner().Answer("systemctl stop", 1, "", $"Job for {Unit} canceled.\n");
        Assert.Equal($"systemctl stop {Unit} failed (exit 1): Job for {Unit} canceled.", await UpgradeUnit.StopAsync(refused, Unit));
    }
}
