using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Infra.Zfs;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// What tells the watcher that the host changed (ADR 0023), on the real thing: the mount table's poll(2)
/// here and in the OpenZFS guest, and OpenZFS's <c>zpool events -f</c> in the guest (zfs-fuse has none:
/// there the test shows that following it fails, and the capability the composition goes by says so).
/// </summary>
[SupportedOSPlatform("linux")]
[Collection(nameof(MountTableQuiet))]
public sealed class HostChangesTests
{
    // The guest runs under TCG: a zfs command takes seconds there. Costs time only when a test fails.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);
    private static readonly IProcessRunner Runner = ZfsFuseLab.Runner; // the lab's 3 minutes: zfs-fuse stalls now and then

    [Fact]
    public async Task MountTableWatch_ATmpfsMountedThenUnmounted_WakesForEach()
    {
        Lane.Require(Environment.IsPrivilegedProcess, "root (mount)");
        var directory = Directory.CreateTempSubdirectory("snapupgrade-mountinfo-").FullName;
        using var watch = MountTableWatch.Open();
        try
        {
            var mounted = watch.WaitAsync(Ct);
            Assert.False(mounted.IsCompleted);
            (await Runner.RunAsync(["mount", "-t", "tmpfs", "-o", "size=1m", "snapupgrade-test", directory], ct: Ct)).EnsureSuccess();
            await mounted.WaitAsync(Wait, Ct);

            var unmounted = watch.WaitAsync(Ct);
            (await Runner.RunAsync(["umount", directory], ct: Ct)).EnsureSuccess();
            await unmounted.WaitAsync(Wait, Ct);
        }
        finally
        {
            // Only what this test mounted, and only if it still is.
            if (File.ReadAllText("/proc/self/mountinfo").Contains($" {directory} ", StringComparison.Ordinal))
                await Runner.RunAsync(["umount", directory]);
            Directory.Delete(directory);
        }
    }

    [Fact]
    public async Task MountTableChanges_ADatasetMountedAfterATmpfs_NamesTheDatasetOnly()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        var data = lab.Pool + "/data";
        await ZfsAsync("create", "-o", "mountpoint=/data", "-o", "canmount=noauto", data);
        var tmpfs = Path.Combine(lab.Directory, "tmpfs");
        Directory.CreateDirectory(tmpfs);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var changes = new MountTableChanges(lab.Pool).FollowAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        try
        {
            Assert.True((await NextAsync(changes)).IsResumed);

            (await Runner.RunAsync(["mount", "-t", "tmpfs", "-o", "size=1m", "snapupgrade-test", tmpfs], ct: Ct)).EnsureSuccess();
            await ZfsAsync("mount", data);

            Assert.Equal([data], (await NextAsync(changes)).Datasets); // the tmpfs said nothing: no part of the pool
            await ZfsAsync("unmount", data);
            Assert.Equal([data], (await NextAsync(changes)).Datasets);
        }
        finally
        {
            await stop.CancelAsync();
            await Runner.RunAsync(["umount", tmpfs]);
        }
    }

    [Fact]
    public async Task ZpoolEvents_ASnapshotByHand_IsReportedByNameAndWhatWasBufferedIsNot()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        var data = lab.Pool + "/data";
        await ZfsAsync("create", data); // events already in the kernel's buffer when following begins
        await ZfsAsync("snapshot", data + "@before");
        var events = new ZpoolEventChanges(lab.Pool, Runner);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var changes = events.FollowAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        if (!Lane.IsOpenZfs)
        {
            // zfs-fuse: no zpool events. The composition never follows it, and says so by the capability.
            Assert.False(lab.Zfs.Capabilities.EventStream);
            var error = await Assert.ThrowsAsync<ZfsCommandException>(async () => await NextAsync(changes));
            Assert.Contains("events", error.StandardError, StringComparison.Ordinal);
            return;
        }

        Assert.True(lab.Zfs.Capabilities.EventStream);
        Assert.True((await NextAsync(changes)).IsResumed);
        await ZfsAsync("snapshot", data + "@hand");

        var change = await NextAsync(changes); // the first after following began: not the create or @before
        Assert.Equal([data + "@hand"], change.Datasets);
        Assert.InRange(change.At, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddSeconds(5)); // the kernel's time of it

        await ZfsAsync("destroy", data + "@before");
        Assert.False((await NextAsync(changes)).IsConfined); // a destroy may change anything
        await stop.CancelAsync();
    }

    [Fact]
    public async Task Watcher_AsComposed_ShowsAHandSnapshotAndFollowingOpenZfsReadsItAloneAndNotTheEnginesOwnCreate()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        var zfs = new CountingZfs(lab.Zfs);
        var engine = new BeEngine(zfs, lab.Mounts, lab.Files,
            new SqliteOperationJournal(SqliteDatabase.InDataDir(Path.Combine(lab.Directory, "data"))), new EngineOptions { Pool = lab.Pool });
        // As HostComposition and EngineHost compose it: following where the backend has an event stream.
        IHostChanges? changes = lab.Zfs.Capabilities.EventStream
            ? new MergedHostChanges(new ZpoolEventChanges(lab.Pool, Runner), new MountTableChanges(lab.Pool))
            : null;
        using var watcher = new HostWatcher(() => engine, TimeSpan.FromSeconds(1), NullLogger<HostWatcher>.Instance, () => changes);
        await watcher.StartAsync(Ct);
        try
        {
            using var page = watcher.Subscribe(_ => { });
            await WaitUntil(() => watcher.Current is not null && watcher.Following == Lane.IsOpenZfs && !watcher.ChangesPending);
            if (Lane.IsOpenZfs)
            {
                // Followed and unchanged: no read at all (a polling watcher would list every second).
                var (quietListings, quietReads) = (zfs.Listings, zfs.Reads);
                await Task.Delay(TimeSpan.FromSeconds(5), Ct);
                Assert.Equal((quietListings, quietReads), (zfs.Listings, zfs.Reads));
            }
            var listings = zfs.Listings;
            var reads = zfs.Reads;

            await ZfsAsync("snapshot", lab.Layout().Be("be1") + "@hand");
            var made = System.Diagnostics.Stopwatch.StartNew();
            await WaitUntil(() => watcher.Current!.AllSnapshots.Any(s => s.Name == lab.Layout().Be("be1") + "@hand"));
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{lab.Name}: a hand snapshot shown {made.ElapsedMilliseconds} ms after zfs returned; listings {zfs.Listings - listings}, scoped reads {zfs.Reads - reads}");

            if (!Lane.IsOpenZfs) return; // zfs-fuse: it showed by polling
            Assert.Equal(listings, zfs.Listings); // read alone: the snapshot
            Assert.Equal(reads + 1, zfs.Reads);
            Assert.Equal(KnownState.Comparable(await engine.GetStateAsync(Ct)), KnownState.Comparable(watcher.Current!));
            listings = zfs.Listings;

            Assert.Equal(Outcome.Succeeded, (await engine.RunAsync(new CreateBe("be2"), ct: Ct)).Outcome);
            watcher.Nudge(); // as AuditedOperations does after every operation
            await WaitUntil(() => watcher.Current!.BootEnvironments.Any(b => b.Name == "be2") && !watcher.ChangesPending);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct); // events of the create arriving late are dropped by their time, not read

            Assert.Equal(listings, zfs.Listings);
            Assert.False(watcher.ChangesPending);
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        Assert.True(condition());
    }

    /// <summary>The lab's ZFS, with its whole-pool listings counted.</summary>
    private sealed class CountingZfs(IZfs inner) : IZfs
    {
        private int _listings;
        private int _reads;

        public int Listings => Volatile.Read(ref _listings);
        /// <summary>Scoped reads (<see cref="IZfs.ReadAsync"/>).</summary>
        public int Reads => Volatile.Read(ref _reads);
        public ZfsCapabilities Capabilities => inner.Capabilities;

        public Task<PoolListing> ListAsync(string pool, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _listings);
            return inner.ListAsync(pool, ct);
        }

        public Task<PoolListing> ReadAsync(string pool, ReadScope scope, CancellationToken ct = default)
        {
            Interlocked.Increment(ref _reads);
            return inner.ReadAsync(pool, scope, ct);
        }

        public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default) => inner.ExecuteAsync(command, ct);
    }

    private static async Task<HostChange> NextAsync(IAsyncEnumerator<HostChange> changes)
    {
        Assert.True(await changes.MoveNextAsync().AsTask().WaitAsync(Wait, Ct), "following ended");
        return changes.Current;
    }

    private static async Task ZfsAsync(params string[] args) =>
        (await Runner.RunAsync(["zfs", .. args], ct: Ct)).EnsureSuccess();
}

/// <summary>
/// The mount table is one for the whole lane: a test that asserts the watch stays quiet until it mounts
/// cannot share the time with tests that mount (it did, in session 18, and woke for another test's mount).
/// xunit runs a collection without parallelization on its own, after the others.
/// </summary>
[CollectionDefinition(nameof(MountTableQuiet), DisableParallelization = true)]
public sealed class MountTableQuiet;
