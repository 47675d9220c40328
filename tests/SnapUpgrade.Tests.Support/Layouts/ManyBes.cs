using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Tests.Support.Layouts;

/// <summary>
/// A pool laid out as the console would leave it after <c>BeCount - 1</c> creates (issue 13's large
/// hosts): the first BE from <see cref="LabBootstrap"/>, every other one a clone of a snapshot of it
/// (a new snapshot every second BE, as CreateBe snapshots its source), then
/// <see cref="RecursiveSnapshots"/> times <c>zfs snapshot -r pool/ROOT@sN</c>, as a host that
/// snapshots every BE nightly. Through <see cref="IZfs"/>: the same layout on the simulator and on zfs-fuse.
/// </summary>
/// <param name="BeCount">BEs in all, be1 to be<c>BeCount</c>.</param>
/// <param name="RecursiveSnapshots">Snapshots of every BE (issue 13 measured 10).</param>
public sealed record ManyBes(int BeCount, int RecursiveSnapshots = 0)
{
    /// <summary>Lays the BEs out on <paramref name="pool"/>, a fresh pool with nothing on it yet.</summary>
    public async Task LayOutAsync(IZfs zfs, IHostFiles files, string pool, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(zfs);
        var layout = new Layout(pool);
        await LabBootstrap.InitializeAsync(zfs, files, pool, "be1", withShared: true, ct);
        var booted = layout.Be("be1");
        var snapshot = "";
        for (var i = 2; i <= BeCount; i++)
        {
            if (i % 2 == 0)
            {
                // As CreateBe does: a snapshot of the source, marked as the console's own.
                snapshot = $"{booted}@origin-{i}";
                await zfs.ExecuteAsync(new ZfsSnapshot([snapshot]), ct);
                await zfs.ExecuteAsync(new ZfsSet(snapshot, UserProperties.ConsoleMade, "on"), ct);
            }
            var be = layout.Be($"be{i}");
            // Mountpoint only after the clone: on zfs-fuse a clone given one at creation mounts at once.
            await zfs.ExecuteAsync(new ZfsClone(snapshot, be, new Dictionary<string, string>
            {
                ["canmount"] = "noauto",
                [UserProperties.Uuid] = Guid.NewGuid().ToString(),
                [UserProperties.Description] = $"BE {i} of {BeCount}",
            }), ct);
            await zfs.ExecuteAsync(new ZfsSet(be, "mountpoint", "/"), ct);
        }
        for (var s = 1; s <= RecursiveSnapshots; s++)
            await zfs.ExecuteAsync(new ZfsSnapshot([$"{layout.BeContainer}@s{s}"], recursive: true), ct);
    }
}
