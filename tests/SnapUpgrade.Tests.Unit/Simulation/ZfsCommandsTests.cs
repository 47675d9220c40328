using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class ZfsCommandsTests
{
    private readonly SimParts _parts = new();
    private readonly ZfsCommands _commands;

    public ZfsCommandsTests() => _commands = _parts.Commands();

    [Fact]
    public void Create_WithAMountPoint_AddsTheDatasetOnTheClockAndMountsIt()
    {
        _commands.Execute(new ZfsCreate("tank/a", new Dictionary<string, string> { ["mountpoint"] = "/a" }));

        var ds = _parts.Datasets["tank/a"];
        Assert.Equal(SimParts.Epoch, ds.Created);
        Assert.True(_parts.Mounts.IsMounted("tank/a"));
    }

    [Fact]
    public void Snapshot_OneNameTaken_TakesNoneOfThem()
    {
        _commands.Execute(new ZfsCreate("tank/a"));
        _commands.Execute(new ZfsCreate("tank/b"));
        _commands.Execute(new ZfsSnapshot("tank/b@s"));

        Assert.Throws<ZfsCommandException>(() => _commands.Execute(new ZfsSnapshot(["tank/a@s", "tank/b@s"])));

        Assert.Null(_parts.Datasets.Find("tank/a@s"));
    }

    [Fact]
    public void Clone_OfASnapshot_SharesItsTreeAndNamesItsOrigin()
    {
        _commands.Execute(new ZfsCreate("tank/a"));
        _commands.Execute(new ZfsSnapshot("tank/a@s"));

        _commands.Execute(new ZfsClone("tank/a@s", "tank/c"));

        Assert.Same(_parts.Datasets["tank/a@s"].Root, _parts.Datasets["tank/c"].Root);
        Assert.Equal("tank/a@s", _parts.Datasets["tank/c"].Origin);
    }

    [Fact]
    public void Execute_ACommandItDoesNotKnow_IsAUsageError()
    {
        var error = Assert.Throws<ZfsCommandException>(() => _commands.Execute(new ZfsUpgrade()));

        Assert.Equal(2, error.ExitCode);
        Assert.Equal("unrecognized command 'upgrade'\n", error.StandardError);
    }

    private sealed record ZfsUpgrade : ZfsCommand
    {
        public override IReadOnlyList<string> Argv => ["zfs", "upgrade"];
    }
}
