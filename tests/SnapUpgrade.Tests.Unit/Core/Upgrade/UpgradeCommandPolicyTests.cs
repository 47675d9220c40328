using SnapUpgrade.Core.Upgrade;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core.Upgrade;

/// <summary>Which package commands a host may configure (ADR 0026): a package tool, on the alternate root, never a shell.</summary>
public sealed class UpgradeCommandPolicyTests
{
    [Theory]
    [InlineData("chroot {root} apt-get -y dist-upgrade")]
    [InlineData("/usr/sbin/chroot --userspec=0:0 {root} /usr/bin/apt-get -y upgrade")]
    [InlineData("dnf --installroot={root} -y upgrade")]
    [InlineData("pkg -R {root} update")]
    [InlineData("dpkg --root={root} -i /var/cache/x.deb")]
    public void Check_PackageToolOnTheAlternateRoot_IsAllowed(string command)
    {
        Assert.Null(UpgradeCommandPolicy.Check(command.Split(' ')));
    }

    [Theory]
    [InlineData("apt-get -y dist-upgrade", "does not name the alternate root")]
    [InlineData("chroot / apt-get -y {root}", "chroot must be given the alternate root")]
    [InlineData("chroot {root}", "no command to run")]
    [InlineData("chroot {root} /bin/sh -c apt-get", "never an upgrade command")]
    [InlineData("bash -c chroot {root} apt-get", "never an upgrade command")]
    [InlineData("env {root}=1 apt-get", "never an upgrade command")]
    [InlineData("curl -o {root}/x http://example", "not a package tool on the allow-list")]
    public void Check_AnythingElse_IsRefusedSayingWhy(string command, string why)
    {
        Assert.Contains(why, UpgradeCommandPolicy.Check(command.Split(' ')));
    }

    [Fact]
    public void Check_AShellAddedToTheAllowList_IsStillRefused()
    {
        Assert.Null(UpgradeCommandPolicy.Check(["mytool", "{root}"], ["mytool"]));
        Assert.Contains("never an upgrade command", UpgradeCommandPolicy.Check(["bash", "{root}"], ["bash"]));
        Assert.Contains("not a package tool", UpgradeCommandPolicy.Check(["mytool", "{root}"]));
    }

    [Theory]
    [InlineData(new string[0], "empty")]
    [InlineData(new[] { "apt-get", "", "{root}" }, "empty word")]
    [InlineData(new[] { "apt-get", "-o\n{root}" }, "control character")]
    public void Check_MalformedArgv_IsRefused(string[] argv, string why)
    {
        Assert.Contains(why, UpgradeCommandPolicy.Check(argv));
    }

    [Fact]
    public void Fill_PutsTheRootAndTheBeInEveryWordThatNamesThem()
    {
        Assert.Equal(["dnf", "--installroot=/run/snapupgrade/be2", "-y", "upgrade", "--setopt=tag=be2"],
            UpgradeCommandPolicy.Fill(["dnf", "--installroot={root}", "-y", "upgrade", "--setopt=tag={be}"], "/run/snapupgrade/be2", "be2"));
    }
}
