using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class TreeCopierTests
{
    private readonly SimParts _parts = new();
    private readonly TreeCopier _copier;

    public TreeCopierTests()
    {
        _copier = new TreeCopier(_parts.Paths, _parts.Tree, _parts.Trees);
        _parts.Tree.EnsureDirectory(P("/src/etc"));
        _parts.Tree.WriteFile(P("/src/etc/motd"), "/src/etc/motd", [1, 2, 3], append: false);
        _parts.Tree.EnsureDirectory(P("/src/empty"));
    }

    [Fact]
    public void Copy_ATree_MakesNewNodesWithNewInodesAndTheSameBytes()
    {
        _copier.Copy(new TreeCopy("/src", "/dst"));

        var source = Assert.IsType<FileNode>(_parts.Tree.NodeAt(P("/src/etc/motd")));
        var copy = Assert.IsType<FileNode>(_parts.Tree.NodeAt(P("/dst/etc/motd")));
        Assert.Equal(source.Content, copy.Content);
        Assert.NotEqual(source.Meta.Inode, copy.Meta.Inode);
        Assert.IsType<DirNode>(_parts.Tree.NodeAt(P("/dst/empty")));
        Assert.Empty(_copier.Verify(new TreeCopy("/src", "/dst")));
    }

    [Fact]
    public void Copy_AMountInsideTheSource_IsCrossedAsRsyncWithoutXDoes()
    {
        _parts.FileSystem("tank/inner");
        _parts.MountAt("tank/inner", "/src/inner");
        _parts.Tree.WriteFile(P("/src/inner/f"), "/src/inner/f", [7], append: false);

        _copier.Copy(new TreeCopy("/src", "/dst"));

        Assert.Equal([7], Assert.IsType<FileNode>(_parts.Tree.NodeAt(P("/dst/inner/f"))).Content);
        Assert.Null(_parts.Paths.Locate(P("/dst/inner/f")).Dataset);
    }

    [Fact]
    public void Copy_IntoItself_IsRefusedAndMakesNothing()
    {
        var error = Assert.Throws<IOException>(() => _copier.Copy(new TreeCopy("/src", "/src/etc/copy")));

        Assert.Contains("into itself", error.Message);
        Assert.Null(_parts.Tree.NodeAt(P("/src/etc/copy")));
    }

    [Fact]
    public void Copy_WithCompareDest_LeavesOutIdenticalFilesAndDirectoriesWithNoFileBelow()
    {
        _parts.Tree.WriteFile(P("/src/etc/new"), "/src/etc/new", [9], append: false);
        _copier.Copy(new TreeCopy("/src", "/before"));
        _parts.Tree.Delete(P("/before/etc/new"), "/before/etc/new", tree: false);

        _copier.Copy(new TreeCopy("/src", "/delta", CompareWith: "/before"));

        Assert.Equal(["new"], ((DirNode)_parts.Tree.NodeAt(P("/delta/etc"))!).Entries.Keys);
        Assert.Null(_parts.Tree.NodeAt(P("/delta/empty")));
        Assert.Empty(_copier.Verify(new TreeCopy("/src", "/delta", CompareWith: "/before")));
    }

    [Fact]
    public void Verify_ACopyWhoseModeChanged_ReportsThatPath()
    {
        _copier.Copy(new TreeCopy("/src", "/dst"));
        var file = _parts.Tree.NodeAt(P("/dst/etc/motd"))!;
        _parts.Tree.Modify(P("/dst/etc/motd"), file.WithMeta(file.Meta with { Mode = 0x180 }));

        Assert.Equal(["etc/motd: mode 0600 in the copy, 0644 in the source"], _copier.Verify(new TreeCopy("/src", "/dst")));
    }
}
