using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>
/// The simulator reports its changes as OpenZFS's event stream and the mount table do (ADR 0023's
/// <c>ZpoolEventChanges</c> and <c>MountTableChanges</c>): a set or a snapshot names its dataset, any other
/// zfs command may change anything, a mount names its dataset, and a file written is no change.
/// </summary>
public sealed class HostChangesTests
{
    [Fact]
    public async Task Follow_ZfsCommandsMountsAndFiles_ReportedAsOpenZfsAndTheMountTableWould()
    {
        var host = await BootedAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var changes = host.FollowAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True((await NextAsync(changes)).IsResumed);
        var be1 = Layout.Be("be1");

        host.WriteAllBytes("/var/shared/mail", [1]); // files: no event on a real host either
        await host.RunAsync(new ZfsSnapshot(be1 + "@s1"));
        Assert.Equal([be1 + "@s1"], (await NextAsync(changes)).Datasets);

        await host.RunAsync(new ZfsSet(be1, UserProperties.Description, "x"));
        Assert.Equal([be1], (await NextAsync(changes)).Datasets);

        await host.RunAsync(new ZfsSnapshot(be1 + "@s2", recursive: true)); // the children's snapshots are not named
        Assert.False((await NextAsync(changes)).IsConfined);

        await host.CloneBeAsync(be1 + "@s1", "be2");
        Assert.False((await NextAsync(changes)).IsConfined);
        Assert.Equal([Layout.Be("be2")], (await NextAsync(changes)).Datasets); // its mountpoint set

        host.CreateDirectory("/mnt/ro");
        await host.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);
        Assert.Equal([Layout.SharedDataset], (await NextAsync(changes)).Datasets);

        await host.RunAsync(new ZfsDestroy(be1 + "@s2", Recursive: true));
        var destroyed = await NextAsync(changes);
        Assert.False(destroyed.IsConfined);
        Assert.InRange(destroyed.At, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow); // the wall clock, as the kernel stamps
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Follow_Stopped_NoLongerReportedTo()
    {
        var host = await BootedAsync();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var changes = host.FollowAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True((await NextAsync(changes)).IsResumed);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await changes.MoveNextAsync());
        await changes.DisposeAsync();

        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@after"));

        Assert.Equal(0, host.Followers);
    }

    private static async Task<HostChange> NextAsync(IAsyncEnumerator<HostChange> changes)
    {
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        return changes.Current;
    }
}
