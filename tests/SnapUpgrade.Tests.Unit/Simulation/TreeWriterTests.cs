using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class TreeWriterTests
{
    [Fact]
    public void Modify_AtAMountPoint_IsBusyAndLeavesBothTrees()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/a");
        parts.MountAt("tank/a", "/a");

        var error = Assert.Throws<IOException>(() => parts.Tree.Modify(P("/a"), null));

        Assert.Contains("is a mount point", error.Message);
        Assert.IsType<DirNode>(parts.Trees.Get(null, P("/a")));
        Assert.True(parts.Mounts.IsMounted("tank/a"));
    }

    [Fact]
    public void Modify_OnAReadOnlyBind_IsRefusedWithTheHostPath()
    {
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/src"));
        parts.Tree.EnsureDirectory(P("/ro"));
        parts.Mounts.Add(Bind("/ro", null, ["src"], readOnly: true));

        var error = Assert.Throws<ReadOnlyFileSystemException>(() => parts.Tree.WriteFile(P("/ro/f"), "/ro/f", [1], append: false));

        Assert.Equal("/ro/f", error.Path);
        Assert.Null(parts.Tree.NodeAt(P("/src/f")));
    }

    [Fact]
    public void WriteFile_Append_KeepsInodeAndAddsTheBytes()
    {
        var parts = new SimParts();
        parts.Tree.WriteFile(P("/f"), "/f", [1, 2], append: false);
        var inode = parts.Tree.NodeAt(P("/f"))!.Meta.Inode;

        parts.Tree.WriteFile(P("/f"), "/f", [3], append: true);

        var file = Assert.IsType<FileNode>(parts.Tree.NodeAt(P("/f")));
        Assert.Equal([1, 2, 3], file.Content);
        Assert.Equal(inode, file.Meta.Inode);
    }

    [Fact]
    public void Rename_BetweenTwoMounts_IsACrossDeviceLinkAndMovesNothing()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/a");
        parts.MountAt("tank/a", "/a");
        parts.Tree.WriteFile(P("/a/f"), "/a/f", [1], append: false);
        parts.Tree.EnsureDirectory(P("/b"));

        var error = Assert.Throws<IOException>(() => parts.Tree.Rename(P("/a/f"), P("/b/f"), "/a/f", "/b/f"));

        Assert.Contains("Invalid cross-device link", error.Message);
        Assert.NotNull(parts.Tree.NodeAt(P("/a/f")));
    }

    [Fact]
    public void Delete_ADirectoryHoldingAMountPoint_IsBusyEvenAsATree()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/a");
        parts.MountAt("tank/a", "/mnt/a");

        Assert.Contains("Device or resource busy", Assert.Throws<IOException>(() => parts.Tree.Delete(P("/mnt"), "/mnt", tree: true)).Message);
        Assert.Contains("Directory not empty", Assert.Throws<IOException>(() => parts.Tree.Delete(P("/mnt"), "/mnt", tree: false)).Message);
        Assert.NotNull(parts.Tree.NodeAt(P("/mnt/a")));
    }

    [Fact]
    public void ChangeMeta_AtAMountPoint_ChangesTheMountedRoot()
    {
        var parts = new SimParts();
        parts.FileSystem("tank/a");
        parts.MountAt("tank/a", "/a");
        var root = parts.Tree.NodeAt(P("/a"))!;

        parts.Tree.ChangeMeta(P("/a"), root.WithMeta(root.Meta with { Mode = 0x1C0 }));

        Assert.Equal(0x1C0, parts.Datasets["tank/a"].Root.Mode);
        Assert.Equal(DirNode.DefaultMode, parts.Trees.Get(null, P("/a"))!.Mode);
    }

    [Fact]
    public void EnsureDirectory_ThroughALink_IsUnsafeAndMakesNothing()
    {
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/real"));
        parts.Tree.AddNew(P("/link"), "/link", meta => new LinkNode("real", meta), LinkNode.LinkMode);

        Assert.Throws<UnsafePathException>(() => parts.Tree.EnsureDirectory(P("/link/sub")));
        Assert.Empty(((DirNode)parts.Tree.NodeAt(P("/real"))!).Entries);
    }
}
