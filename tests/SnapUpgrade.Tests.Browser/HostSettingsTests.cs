using Microsoft.Extensions.Configuration;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Browser;

/// <summary>The composition root's settings: defaults and the start-up errors a person reads.</summary>
public sealed class HostSettingsTests
{
    private static HostSettings Read(params (string Key, string Value)[] values) =>
        HostSettings.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => KeyValuePair.Create<string, string?>($"SnapUpgrade:{v.Key}", v.Value)))
            .Build());

    [Fact]
    public void HostSettings_Nothing_IsTheSimulatedDemoHost()
    {
        var settings = Read();

        Assert.Equal(Backend.Simulated, settings.Backend);
        Assert.Equal("rpool", settings.Pool);
        Assert.Equal("/", settings.HostRoot);
        Assert.Equal(SimulatedZfs.DefaultStateFile, settings.StateFile);
        Assert.Equal(Path.GetDirectoryName(Path.GetFullPath(SimulatedZfs.DefaultStateFile)), settings.DataDir);
    }

    [Fact]
    public void HostSettings_ZfsUnderAHostRoot_KeepsDataOnItsVarAdm()
    {
        var settings = Read(("Backend", "ZFS"), ("Pool", "tank"), ("HostRoot", "/srv/lab"));

        Assert.Equal(Backend.Zfs, settings.Backend);
        Assert.Equal("/srv/lab/var/adm/snapupgrade", settings.DataDir);
        Assert.Null(settings.StateFile);
    }

    [Fact]
    public void HostSettings_UnknownBackendAndRelativeRoot_NamesBothProblems()
    {
        var error = Assert.Throws<InvalidHostSettingsException>(() => Read(("Backend", "btrfs"), ("HostRoot", "srv/lab")));

        Assert.Equal(2, error.Problems.Count);
        Assert.Contains("'btrfs'", error.Problems[0]);
        Assert.Contains("HostRoot", error.Problems[1]);
    }

    [Fact]
    public void HostSettings_Nothing_HasNoRebootCommandAndA30SecondLock()
    {
        var settings = Read();

        Assert.Empty(settings.RebootCommand);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.LockTimeout);
    }

    [Fact]
    public void HostSettings_RebootCommandAndLockTimeout_AreReadAsArgvInIndexOrder()
    {
        var settings = Read(("RebootCommand:1", "reboot"), ("RebootCommand:0", "systemctl"), ("LockTimeoutSeconds", "2.5"));

        Assert.Equal(["systemctl", "reboot"], settings.RebootCommand);
        Assert.Equal(TimeSpan.FromSeconds(2.5), settings.LockTimeout);
    }

    [Fact]
    public void HostSettings_TrialHealthCommand_IsAnArgvWithAFiveMinuteDefaultLimit()
    {
        Assert.Empty(Read().TrialHealthCommand);
        Assert.Equal(TimeSpan.FromMinutes(5), Read().TrialHealthLimit);

        var settings = Read(("TrialHealthCommand:0", "systemctl"), ("TrialHealthCommand:1", "is-system-running"),
            ("TrialHealthCommand:2", "--wait"), ("TrialHealthSeconds", "90"));

        Assert.Equal(["systemctl", "is-system-running", "--wait"], settings.TrialHealthCommand);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.TrialHealthLimit);
    }

    [Theory]
    [InlineData("LockTimeoutSeconds", "0")]
    [InlineData("LockTimeoutSeconds", "soon")]
    [InlineData("RebootCommand", "systemctl reboot")]
    [InlineData("TrialHealthCommand", "curl -f localhost")]
    [InlineData("TrialHealthSeconds", "0")]
    [InlineData("TrialHealthSeconds", "1.5")]
    public void HostSettings_BadLockTimeoutOrRebootCommand_IsRefused(string key, string value)
    {
        var error = Assert.Throws<InvalidHostSettingsException>(() => Read((key, value)));

        Assert.Contains(key, Assert.Single(error.Problems));
    }

    [Fact]
    public void HostSettings_Upgrade_IsAnArgvOnTheAllowListWithLimits()
    {
        Assert.Empty(Read().Upgrade.Command);
        Assert.Equal(TimeSpan.FromMinutes(60), Read().Upgrade.TimeLimit);
        Assert.False(Read().Upgrade.OperatorsMay);
        Assert.False(Read().Upgrade.ApplyAtActivation);
        Assert.True(Read(("Upgrade:ApplyAt", "Activation")).Upgrade.ApplyAtActivation);
        Assert.Contains("Upgrade:ApplyAt is 'monday'", Assert.Throws<InvalidHostSettingsException>(() => Read(("Upgrade:ApplyAt", "monday"))).Message);

        var settings = Read(("Upgrade:Command:0", "chroot"), ("Upgrade:Command:1", "{root}"), ("Upgrade:Command:2", "apt-get"),
            ("Upgrade:Command:3", "-y"), ("Upgrade:Command:4", "dist-upgrade"), ("Upgrade:TimeoutMinutes", "30"),
            ("Upgrade:StagingMiB", "256"), ("Upgrade:OperatorsMay", "true"));

        Assert.Equal(["chroot", "{root}", "apt-get", "-y", "dist-upgrade"], settings.Upgrade.Command);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.Upgrade.TimeLimit);
        Assert.Equal(256, settings.Upgrade.StagingMiB);
        Assert.True(settings.Upgrade.OperatorsMay);
        // a host's own tool, added by name
        Assert.Equal(["mytool", "--root", "{root}"], Read(("Upgrade:Command:0", "mytool"), ("Upgrade:Command:1", "--root"),
            ("Upgrade:Command:2", "{root}"), ("Upgrade:AllowedPrograms:0", "mytool")).Upgrade.Command);
    }

    [Theory]
    [InlineData("0.25", 15)]
    [InlineData("0.5", 30)]
    [InlineData("1.5", 90)]
    [InlineData("1440", 86400)]
    public void HostSettings_UpgradeTimeoutMinutes_TakesAFractionOfAMinuteDownToFifteenSeconds(string minutes, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Read(("Upgrade:TimeoutMinutes", minutes)).Upgrade.TimeLimit);
    }

    [Fact]
    public void HostSettings_UpgradeRunAs_IsProcessUnlessUnitAndABadValueSaysWhatToUse()
    {
        Assert.Equal(UpgradeRunAs.Process, Read().Upgrade.RunAs);
        Assert.Equal(UpgradeRunAs.Unit, Read(("Upgrade:RunAs", "Unit")).Upgrade.RunAs);
        Assert.Equal(UpgradeRunAs.Process, Read(("Upgrade:RunAs", "process")).Upgrade.RunAs);

        var error = Assert.Throws<InvalidHostSettingsException>(() => Read(("Upgrade:RunAs", "scope")));

        Assert.Equal("SnapUpgrade:Upgrade:RunAs is 'scope'; use process (a child of the console, in its sandbox) " +
            "or unit (a transient systemd service of its own, as the installed engine does: needs systemd and root).", Assert.Single(error.Problems));
    }

    [Theory]
    [InlineData("apt-get -y dist-upgrade", "does not name the alternate root")]
    [InlineData("sh -c {root}", "never an upgrade command")]
    [InlineData("chroot {root} bash -c apt", "never an upgrade command")]
    [InlineData("curl {root}", "not a package tool on the allow-list")]
    public void HostSettings_UpgradeCommandNotAPackageToolOnTheRoot_IsRefusedSayingWhy(string command, string why)
    {
        var values = command.Split(' ').Select((word, i) => ($"Upgrade:Command:{i}", word)).ToArray();

        var error = Assert.Throws<InvalidHostSettingsException>(() => Read(values));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("Upgrade:Command", problem);
        Assert.Contains(why, problem);
    }

    [Theory]
    [InlineData("Upgrade:Command", "chroot {root} apt-get -y dist-upgrade")]
    [InlineData("Upgrade:TimeoutMinutes", "0")]
    [InlineData("Upgrade:TimeoutMinutes", "0.1")]
    [InlineData("Upgrade:TimeoutMinutes", "1441")]
    [InlineData("Upgrade:TimeoutMinutes", "-1")]
    [InlineData("Upgrade:TimeoutMinutes", "1,5")]
    [InlineData("Upgrade:StagingMiB", "lots")]
    [InlineData("Upgrade:OperatorsMay", "sometimes")]
    [InlineData("Upgrade:AllowedPrograms:0", "/usr/bin/mytool")]
    public void HostSettings_BadUpgradeSetting_IsRefused(string key, string value)
    {
        var error = Assert.Throws<InvalidHostSettingsException>(() => Read((key, value)));

        Assert.Contains(key.Split(':')[1], Assert.Single(error.Problems));
    }

    [Fact]
    public void HostSettings_StateFileWithZfs_IsRefused()
    {
        var error = Assert.Throws<InvalidHostSettingsException>(() => Read(("Backend", "zfs"), ("StateFile", "/tmp/x.json")));

        Assert.Contains("StateFile", Assert.Single(error.Problems));
    }

    [Fact]
    public void HostSettings_BootLoader_DefaultsToNoneWithTheUsualPaths()
    {
        var none = Read().BootLoader;
        var grub = Read(("Backend", "zfs"), ("BootLoader", "GRUB"), ("Grub:Menu", "/boot/grub/be.cfg/")).BootLoader;

        Assert.Equal(BootLoaderKind.None, none.Kind);
        Assert.Equal(("/boot/grub/grubenv", "/boot/efi/loader/loader.conf"), (none.GrubEnv, none.LoaderConf));
        Assert.Equal((BootLoaderKind.Grub, "/boot/grub/be.cfg"), (grub.Kind, grub.GrubMenu));
        Assert.Equal(BootLoaderKind.SystemdBoot, Read(("Backend", "zfs"), ("BootLoader", "systemd-boot"), ("SystemdBoot:Esp", "/efi")).BootLoader.Kind);
    }

    [Theory]
    [InlineData("BootLoader", "lilo", "zfs")]
    [InlineData("BootLoader", "grub", "simulated")]
    [InlineData("SystemdBoot:Esp", "boot/efi", "zfs")]
    [InlineData("Grub:Env", "/boot/../grubenv", "zfs")]
    public void HostSettings_BadBootLoaderSetting_IsRefusedByName(string key, string value, string backend)
    {
        var error = Assert.Throws<InvalidHostSettingsException>(() => Read(("Backend", backend), (key, value)));

        Assert.Contains($"SnapUpgrade:{key} is '{value}'", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void HostSettings_NoRole_IsOneProcessWithTheInstalledSocketAndGroup()
    {
        var settings = Read();

        Assert.Equal((ConsoleRole.All, "/run/snapupgrade/engine.sock", "snapupgrade"), (settings.Role, settings.EngineSocket, settings.EngineGroup));
    }

    [Theory]
    [InlineData("engine", ConsoleRole.Engine)]
    [InlineData("Web", ConsoleRole.Web)]
    [InlineData("all", ConsoleRole.All)]
    public void HostSettings_KnownRole_IsThatRole(string text, ConsoleRole role)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create<string, string?>("SnapUpgrade:Role", text)]).Build();

        Assert.Equal(role, HostSettings.ReadRole(configuration));
        Assert.Equal(role, Read(("Role", text)).Role);
    }

    [Fact]
    public void HostSettings_UnknownRole_SaysWhichRolesThereAre()
    {
        var ex = Assert.Throws<InvalidHostSettingsException>(() => Read(("Role", "frontend")));

        Assert.Equal("Invalid SnapUpgrade configuration: SnapUpgrade:Role is 'frontend'; use 'all' (one process), " +
            "'engine' (the privileged engine on its socket) or 'web' (the unprivileged web).", ex.Message);
    }

    [Fact]
    public void HostSettings_RelativeSocketAndBadGroup_AreBothNamed()
    {
        var ex = Assert.Throws<InvalidHostSettingsException>(() => Read(("Engine:Socket", "engine.sock"), ("Engine:Group", "Snap Upgrade")));

        Assert.Equal(2, ex.Problems.Count);
        Assert.Contains("SnapUpgrade:Engine:Socket is 'engine.sock'", ex.Problems[0], StringComparison.Ordinal);
        Assert.Contains("SnapUpgrade:Engine:Group is 'Snap Upgrade'", ex.Problems[1], StringComparison.Ordinal);
    }
}
