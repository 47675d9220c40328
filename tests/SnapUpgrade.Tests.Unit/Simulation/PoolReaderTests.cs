using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class PoolReaderTests
{
    [Fact]
    public void Read_AFileSystemWithASnapshotAndAChild_ListsDepthFirstWithMountState()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a", ("mountpoint", "/a"));
        parts.FileSystem("tank/a/z");
        parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, SimParts.Epoch);
        parts.MountAt("tank/a", "/a");
        parts.Datasets.Pools["tank"].Bootfs = "tank/a";

        var listing = PoolReader.Read(parts.Datasets, parts.Mounts, "tank");

        Assert.Equal(["tank", "tank/a", "tank/a@s", "tank/a/z"], listing.Datasets.Select(d => d.Name));
        Assert.Equal("tank/a", listing.Pool.Bootfs);
        var a = listing.Find("tank/a")!;
        Assert.True(a.Mounted);
        Assert.Equal("/a", a.MountPoint);
        Assert.Equal("/a/z", listing.Find("tank/a/z")!.MountPoint);
        Assert.False(listing.Find("tank/a/z")!.Mounted);
    }

    [Fact]
    public void Read_AFileWrittenAfterASnapshot_IsChargedToTheFileSystemNotTheSnapshot()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, SimParts.Epoch);
        var before = PoolReader.Read(parts.Datasets, parts.Mounts, "tank");

        parts.Trees.Set("tank/a", ["big"], new FileNode(new byte[100_000], new NodeMeta(FileNode.DefaultMode, 0, 0, 9)));
        var after = PoolReader.Read(parts.Datasets, parts.Mounts, "tank");

        Assert.True(after.Find("tank/a")!.Used >= before.Find("tank/a")!.Used + 100_000);
        // The snapshot now holds its own copy of the root directory's block, not the file.
        Assert.InRange(after.Find("tank/a@s")!.Used, 0, Node.Block);
    }

    [Fact]
    public void Read_AnUnknownPool_FailsAsZfsGetDoes()
    {
        var error = Assert.Throws<ZfsCommandException>(() => PoolReader.Read(new DatasetTable(), new MountTable(), "nope"));

        Assert.Equal("cannot open 'nope': dataset does not exist\n", error.StandardError);
    }
}
