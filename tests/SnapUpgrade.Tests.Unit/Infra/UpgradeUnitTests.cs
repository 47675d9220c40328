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
            TimeSpan.FromMinutes(60), "snapupgrade-upgrade-be2-0a1b2c3d.service");

        Assert.Equal(
        [
            "systemd-run", "--wait", "--pipe", "--quiet", "--collect", "--unit=snapupgrade-upgrade-be2-0a1b2c3d.service", "--service-type=exec",
            "--property=KillMode=control-group", "--property=TimeoutStopSec=20", "--property=RuntimeMaxSec=3660", "--property=RestrictRealtime=yes",
            "--setenv=DEBIAN_FRONTEND=noninteractive", "--setenv=LC_ALL=C", "--setenv=PATH=/usr/bin:/bin",
            "--", "/usr/sbin/chroot", "/run/snapupgrade/mounts/be2", "apt-get", "-y", "dist-upgrade",
        ], argv);
    }

    [Fact]
    public void SystemdRun_AnArgumentLikeAnOption_StaysTheCommandsAfterTheDashes()
    {
        var argv = UpgradeUnit.SystemdRun(["/usr/bin/dpkg", "--root=/mnt/be2", "--unit=evil", "-i", "x.deb"], new Dictionary<string, string>(),
            TimeSpan.FromSeconds(90), "snapupgrade-upgrade-be2-00000000.service");

        var dashes = argv.ToList().IndexOf("--");
        Assert.Equal(["--", "/usr/bin/dpkg", "--root=/mnt/be2", "--unit=evil", "-i", "x.deb"], argv.Skip(dashes));
        Assert.Equal(["--unit=snapupgrade-upgrade-be2-00000000.service"], argv.Take(dashes).Where(a => a.StartsWith("--unit=", StringComparison.Ordinal)));
        Assert.Contains("--property=RuntimeMaxSec=150", argv); // the limit and the backstop's minute
    }

    [Fact]
    public void Name_ABeName_IsRecognisableAndNewEveryRun()
    {
        var first = UpgradeUnit.Name("2026.12_be-2");
        var second = UpgradeUnit.Name("2026.12_be-2");

        Assert.Matches(@"^snapupgrade-upgrade-2026\.12_be-2-[0-9a-f]{8}\.service$", first);
        Assert.NotEqual(first, second);
        Assert.Equal("snapupgrade-upgrade-be2-0a1b2c3d.service", UpgradeUnit.Name("be2", "0a1b2c3d"));
    }

    [Fact]
    public void Name_CharactersNoUnitNameHas_AreEscapedAsSystemdDoes()
    {
        // Names.Check never lets these through; the unit name still cannot become a pattern or a path.
        Assert.Equal(@"snapupgrade-upgrade-a\x2a\x2fb\x20\xc3\xa9-00.service", UpgradeUnit.Name("a*/b é", "00"));
    }

    [Fact]
    public void Stop_ARunsUnitAndTheLeftovers_AreOneSystemctlStopEach()
    {
        Assert.Equal(["systemctl", "stop", "snapupgrade-upgrade-be2-00.service"], UpgradeUnit.Stop("snapupgrade-upgrade-be2-00.service"));
        Assert.Equal(["systemctl", "stop", "snapupgrade-upgrade-*.service"], UpgradeUnit.Stop(UpgradeUnit.Leftovers));
    }
}
