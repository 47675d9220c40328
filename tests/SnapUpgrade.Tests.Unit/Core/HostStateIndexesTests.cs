using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// A state's lookups (<see cref="HostState.Find"/>, the mounted clones a rename checks) are indexes made on first
/// use and kept beside the state (issue 13): a state made from it by <c>with</c> answers from its own BEs, never
/// from the index of the state it was copied from.
/// </summary>
public sealed class HostStateIndexesTests
{
    private const string Container = "tank/ROOT";

    private static BootEnvironment Be(string name, string? origin = null, string? mountedAt = null) => new()
    {
        Name = name, Dataset = $"{Container}/{name}", Origin = origin, MountedAt = mountedAt,
        Snapshots = [new Snapshot { Name = $"{Container}/{name}@s1", Dataset = $"{Container}/{name}", ShortName = "s1", Clones = [] }],
        ZoneBes = [],
    };

    private static HostState State(params BootEnvironment[] bes) => new()
    {
        Pool = "tank", PoolHealth = "ONLINE", BootEnvironments = bes, Zones = [], SharedDatasets = [],
    };

    [Fact]
    public void Find_OnAStateMadeByWith_AnswersFromItsOwnBes()
    {
        var first = State([.. Enumerable.Range(1, 100).Select(i => Be($"be{i}"))]);
        Assert.Equal($"{Container}/be7", first.Find("be7")?.Dataset); // the index of the first state is made here

        var second = first with { BootEnvironments = [.. first.BootEnvironments.Where(b => b.Name != "be7"), Be("be101")] };

        Assert.Null(second.Find("be7"));
        Assert.Equal($"{Container}/be101", second.Find("be101")?.Dataset);
        Assert.Equal($"{Container}/be7", first.Find("be7")?.Dataset);
        Assert.Null(first.Find("be101"));
        Assert.Null(first.Find("BE7")); // names are compared as zfs does: exactly
        Assert.Null(first.Find(null!)); // none, as the walk before the index said (a body without a name reaches a check)
    }

    [Fact]
    public void RenameCheck_OnAStateMadeByWith_SeesTheCloneMountedInIt()
    {
        var unmounted = State(Be("be1"), Be("be2", origin: $"{Container}/be1@s1"));
        Assert.Null(new RenameBe("be1", "old").Validate(unmounted)); // its mounted clones (none) are indexed here

        var mounted = unmounted with
        {
            BootEnvironments = [unmounted.BootEnvironments[0], unmounted.BootEnvironments[1] with { MountedAt = "/mnt/be2" }],
        };

        var refusal = new RenameBe("be1", "old").Validate(mounted);
        Assert.Equal(ErrorCode.DependentMounted, refusal?.Code);
        Assert.Contains($"{Container}/be2 is cloned from it and mounted at /mnt/be2", refusal!.Message, StringComparison.Ordinal);
        Assert.Null(new RenameBe("be1", "old").Validate(unmounted));
        Assert.Null(new RenameBe("be2", "old").Validate(State(Be("be1", mountedAt: "/mnt/be1"), Be("be2", origin: $"{Container}/be1@s1"))));
    }
}
