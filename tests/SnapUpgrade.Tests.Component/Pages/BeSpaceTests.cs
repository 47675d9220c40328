using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Components.Pages.Overview;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class BeSpaceTests
{
    private const long K = 1024;

    [Fact]
    public void Of_CloneWithSnapshots_SplitsUsedIntoUniqueAndSnapshotsAndTheRestOfReferencedIsShared()
    {
        var be = Clone(used: 30 * K, snapshots: 10 * K, referenced: 50 * K);

        var space = BeSpace.Of(be);

        Assert.Equal(new BeSpace(Unique: 20 * K, Snapshots: 10 * K, Shared: 30 * K), space);
        Assert.Equal(be.Used, space.Unique + space.Snapshots);
    }

    [Fact]
    public void Of_NothingShared_HasNoSharedPartAndNeverANegativeOne()
    {
        Assert.Equal(new BeSpace(40 * K, 0, 0), BeSpace.Of(Clone(used: 40 * K, snapshots: 0, referenced: 40 * K)));
        // Compression or accounting lag can make referenced smaller than used: still no negative bar.
        Assert.Equal(new BeSpace(40 * K, 0, 0), BeSpace.Of(Clone(used: 40 * K, snapshots: 0, referenced: 30 * K)));
    }

    private static BootEnvironment Clone(long used, long snapshots, long referenced) => HostStates.Be("be") with
    {
        Used = used,
        Referenced = referenced,
        Snapshots = snapshots == 0 ? [] :
        [
            new Snapshot { Name = "rpool/ROOT/be@s", Dataset = "rpool/ROOT/be", ShortName = "s", Used = snapshots, Clones = [] },
        ],
    };
}
