using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class VolumeTreesTests
{
    [Fact]
    public void Set_InADataset_ChangesThatTreeOnlyAndNotASnapshotSharingIt()
    {
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        parts.Trees.Set("tank/a", P("/f"), TextFile("one"));
        var snap = parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, Epoch);

        parts.Trees.Set("tank/a", P("/f"), TextFile("two"));

        Assert.Equal("two", Text(parts.Trees.Get("tank/a", P("/f"))));
        Assert.Equal("one", Text(parts.Trees.Get("tank/a@s", P("/f"))));
        Assert.Null(parts.Trees.Get(null, P("/f")));
        Assert.Same(snap.Root, parts.Trees.RootOf("tank/a@s"));
    }

    [Fact]
    public void SetRoot_BaseDirectory_IsTheNullVolume()
    {
        var parts = new SimParts();
        var root = DirNode.Empty.With("lab", DirNode.New(parts.Trees.NewMeta(DirNode.DefaultMode)));

        parts.Trees.SetRoot(null, root);

        Assert.Same(root, parts.Trees.BaseRoot);
        Assert.IsType<DirNode>(parts.Trees.Get(null, P("/lab")));
    }

    [Fact]
    public void NewMeta_CalledTwice_HandsOutDistinctInodesAndKeepsOnlyPermissionBits()
    {
        var trees = new VolumeTrees(new DatasetTable());

        var first = trees.NewMeta(0x81A4, uid: 7, gid: 8); // S_IFREG | 0644: the type bits are not a node's mode
        var second = trees.NewMeta(DirNode.DefaultMode);

        Assert.Equal(0x1A4, first.Mode);
        Assert.Equal((7, 8), (first.Uid, first.Gid));
        Assert.NotEqual(first.Inode, second.Inode);
        Assert.Equal(second.Inode + 1, trees.NextInode);
    }

    [Fact]
    public void Restore_AStoredBaseAndInodeCounter_IsWhatItHandsOutNext()
    {
        var trees = new VolumeTrees(new DatasetTable());
        var stored = DirNode.New(new NodeMeta(DirNode.DefaultMode, 0, 0, 1));

        trees.Restore(stored, nextInode: 500);

        Assert.Same(stored, trees.BaseRoot);
        Assert.Equal(500, trees.NewInode());
    }

    private static string? Text(Node? node) => node is FileNode f ? System.Text.Encoding.UTF8.GetString(f.Content) : null;
}
