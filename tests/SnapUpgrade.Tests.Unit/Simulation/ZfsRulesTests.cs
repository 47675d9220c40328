using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class ZfsRulesTests
{
    private static readonly ZfsSet Command = new("tank/a", "x", "y");

    [Fact]
    public void CheckProperty_AMountPointWithSlashesToSpare_IsStoredNormalised()
    {
        Assert.Equal("/a/b", ZfsRules.CheckProperty(Command, "mountpoint", "//a/b/", snapshot: false, "what"));
        Assert.Equal("legacy", ZfsRules.CheckProperty(Command, "mountpoint", "legacy", snapshot: false, "what"));
        Assert.Equal("anything", ZfsRules.CheckProperty(Command, "org.x:note", "anything", snapshot: true, "what"));
    }

    [Fact]
    public void CheckProperty_Refusals_CarryArgvExitCodeAndZfsWording()
    {
        var readOnly = Assert.Throws<ZfsCommandException>(() => ZfsRules.CheckProperty(Command, "used", "1", snapshot: false, "cannot set"));
        var onSnapshot = Assert.Throws<ZfsCommandException>(() => ZfsRules.CheckProperty(Command, "canmount", "on", snapshot: true, "cannot set"));
        var badValue = Assert.Throws<ZfsCommandException>(() => ZfsRules.CheckProperty(Command, "canmount", "maybe", snapshot: false, "cannot set"));
        var noName = Assert.Throws<ZfsCommandException>(() => ZfsRules.CheckProperty(Command, "", "v", snapshot: false, "cannot set"));

        Assert.Equal((1, "cannot set: 'used' is readonly\n"), (readOnly.ExitCode, readOnly.StandardError));
        Assert.Contains("can not be modified for snapshots", onSnapshot.StandardError);
        Assert.Contains("'canmount' must be one of 'on | off | noauto'", badValue.StandardError);
        Assert.Equal(2, noName.ExitCode);
        Assert.Equal(Command.Argv, readOnly.Argv);
    }

    [Theory]
    [InlineData("tank/a b", "invalid character ' ' in name")]
    [InlineData("tank//a", "empty component")]
    [InlineData("tank/a@s", "snapshot delimiter '@' is not expected here")]
    [InlineData("other/a", "no such pool 'other'")]
    [InlineData("tank/missing/a", "parent does not exist")]
    [InlineData("tank/there", "dataset already exists")]
    public void CheckNewFileSystem_BadName_IsRefusedWithTheReason(string name, string reason)
    {
        var parts = new SimParts();
        parts.FileSystem("tank/there");

        var error = Assert.Throws<ZfsCommandException>(() => parts.Datasets.CheckNewFileSystem(new ZfsCreate(name), name, $"cannot create '{name}'"));

        Assert.Contains(reason, error.StandardError);
    }

    [Fact]
    public void Existing_AMissingDataset_IsZfsDoesNotExist()
    {
        var parts = new SimParts();

        var error = Assert.Throws<ZfsCommandException>(() => parts.Datasets.Existing(Command, "tank/a"));

        Assert.Equal("cannot open 'tank/a': dataset does not exist\n", error.StandardError);
        Assert.Same(parts.Datasets["tank"], parts.Datasets.Existing(Command, "tank"));
    }
}
