using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class MountTableTests
{
    [Fact]
    public void Showing_NestedMounts_TheDeepestTargetThatIsAPrefixWins()
    {
        var table = new MountTable();
        var root = Zfs("/", "tank/ROOT/be1");
        var shared = Zfs("/var/shared", "tank/VARSHARED");
        table.Add(shared);
        table.Add(root);

        Assert.Same(shared, table.Showing(P("/var/shared/mail")));
        Assert.Same(root, table.Showing(P("/var/sharedx")));
        Assert.Same(root, table.Showing(P("/")));
    }

    [Fact]
    public void Showing_TwoMountsAtOneTarget_TheLaterShadowsTheEarlier()
    {
        var table = new MountTable();
        var first = Zfs("/a", "tank/one");
        var second = Bind("/a", "tank/two", ["dir"]);
        table.Add(first);
        table.Add(second);

        Assert.Same(second, table.Showing(P("/a/x")));
        Assert.Same(second, table.TopAt("/a"));
        Assert.Same(first, table.TopAt("/a", bind: false));

        table.Remove(second);

        Assert.Same(first, table.Showing(P("/a/x")));
    }

    [Fact]
    public void Showing_NothingMountedAbove_IsTheBaseDirectory()
    {
        var table = new MountTable();
        table.Add(Zfs("/mnt/be", "tank/be"));

        Assert.Null(table.Showing(P("/mnt")));
        Assert.Null(table.Showing(P("/mnt/bee")));
    }

    [Fact]
    public void Below_AndAnyAtOrBelow_SeeOnlyDeeperTargetsUnderThePath()
    {
        var table = new MountTable();
        var top = Zfs("/a", "tank/a");
        var inner = Bind("/a/b/c", null, ["src"]);
        table.Add(top);
        table.Add(inner);
        table.Add(Zfs("/ab", "tank/ab"));

        Assert.Equal([inner], table.Below(top));
        Assert.Empty(table.Below(inner));
        Assert.True(table.AnyAtOrBelow(P("/a/b")));
        Assert.False(table.AnyAtOrBelow(P("/a/x")));
        Assert.True(table.IsTarget(P("/a/b/c")));
        Assert.False(table.IsTarget(P("/a/b")));
    }

    [Fact]
    public void ZfsMountOf_ADatasetThatIsOnlyBound_IsNotMounted()
    {
        var table = new MountTable();
        table.Add(Bind("/mnt/ro", "tank/shared", ["mail"], readOnly: true));

        Assert.Null(table.ZfsMountOf("tank/shared"));
        Assert.False(table.IsMounted("tank/shared"));
        Assert.Empty(table.MountedDatasets());
        Assert.True(table.BindsAnyOf(new HashSet<string> { "tank/shared" }));
    }

    [Fact]
    public void RenameDataset_MountAndBindsOfIt_NameTheNewDatasetAndKeepTheirPlaces()
    {
        var table = new MountTable();
        table.Add(Zfs("/a", "tank/old"));
        table.Add(Bind("/b", "tank/old", ["x"]));
        table.Add(Zfs("/c", "tank/other"));

        table.RenameDataset("tank/old", "tank/new");

        Assert.Equal(["tank/new", "tank/new", "tank/other"], table.Entries.Select(m => m.Dataset));
        Assert.Equal(["/a", "/b", "/c"], table.Entries.Select(m => m.Target));
        Assert.True(table.IsMounted("tank/new"));
        table.RemoveZfsMount("tank/new");
        Assert.Equal(["/b", "/c"], table.Entries.Select(m => m.Target));
    }
}
