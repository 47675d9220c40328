using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class CopyCheckTests
{
    private static readonly NodeMeta Root = new(FileNode.DefaultMode, 0, 0, 10);

    [Fact]
    public void IdenticalForCompareDest_SameBytesButAnotherOwner_IsNotIdentical()
    {
        var file = new FileNode([1], Root);

        Assert.True(CopyCheck.IdenticalForCompareDest(file, new FileNode([1], Root with { Inode = 11 })));
        Assert.False(CopyCheck.IdenticalForCompareDest(file, new FileNode([1], Root with { Uid = 1000 })));
        Assert.False(CopyCheck.IdenticalForCompareDest(file, new FileNode([2], Root)));
        Assert.False(CopyCheck.IdenticalForCompareDest(file, null));
        Assert.False(CopyCheck.IdenticalForCompareDest(new LinkNode("a", Root), new LinkNode("b", Root)));
    }

    [Fact]
    public void HoldsFile_OnlyDirectoriesBelow_IsFalseAndALinkDeepDownMakesItTrue()
    {
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/d/a/b"));
        var check = new CopyCheck(parts.Tree);

        Assert.False(check.HoldsFile(P("/d")));

        parts.Tree.AddNew(P("/d/a/b/l"), "/d/a/b/l", meta => new LinkNode("x", meta), LinkNode.LinkMode);

        Assert.True(check.HoldsFile(P("/d")));
    }

    [Fact]
    public void Differences_ExtraMissingAndChangedEntries_EachGetOneLine()
    {
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/s"));
        parts.Tree.EnsureDirectory(P("/t"));
        parts.Tree.WriteFile(P("/s/gone"), "/s/gone", [1], append: false);
        parts.Tree.WriteFile(P("/s/same"), "/s/same", [1], append: false);
        parts.Tree.WriteFile(P("/t/same"), "/t/same", [2], append: false);
        parts.Tree.WriteFile(P("/t/extra"), "/t/extra", [1], append: false);

        var differences = new CopyCheck(parts.Tree).Differences(P("/s"), P("/t"), compare: null);

        Assert.Equal(["gone: missing in the copy", "same: content differs", "extra: only in the copy"], differences);
    }
}
