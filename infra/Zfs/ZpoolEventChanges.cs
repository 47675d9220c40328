using System.Runtime.CompilerServices;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// <see cref="IHostChanges"/> from OpenZFS's event stream: <c>zpool events -f -H -v &lt;pool&gt;</c>, one
/// process for as long as the watcher follows (zfs-fuse has no <c>zpool events</c>). The kernel keeps a
/// buffer of recent events and a follower is first given all of it: a <c>zpool events -H -v</c> just
/// before says the last number (<c>eid</c>) already there, and those are skipped. After that every event
/// is a change (<see cref="Change"/>), except fault reports.
/// </summary>
public sealed class ZpoolEventChanges(string pool, IProcessRunner? runner = null,
    Func<IReadOnlyList<string>, CancellationToken, IAsyncEnumerable<string>>? lines = null) : IHostChanges
{
    private readonly IProcessRunner _runner = runner ?? new ProcessRunner();
    private readonly Func<IReadOnlyList<string>, CancellationToken, IAsyncEnumerable<string>> _lines = lines ?? ProcessLines.ReadAsync;

    /// <summary>History events whose change stays within the dataset they name and what lies below it.</summary>
    private static readonly HashSet<string> Confined = new(StringComparer.Ordinal) { "set", "inherit", "snapshot", "hold", "release" };

    public static IReadOnlyList<string> BufferedArgv(string pool) => ["zpool", "events", "-H", "-v", pool];
    public static IReadOnlyList<string> FollowArgv(string pool) => ["zpool", "events", "-f", "-H", "-v", pool];

    public async IAsyncEnumerable<HostChange> FollowAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var argv = BufferedArgv(pool);
        var buffered = await _runner.RunAsync(argv, ct: ct);
        if (!buffered.Succeeded) throw new ZfsCommandException(argv, buffered.ExitCode, buffered.StandardError);
        var seen = ZpoolEventReader.ReadAll(buffered.StandardOutput).Max(e => e.Eid) ?? 0;
        // From here on every event has a higher number: read after this, nothing is missed.
        yield return HostChange.Resumed(DateTimeOffset.UtcNow);
        var reader = new ZpoolEventReader();
        await foreach (var line in _lines(FollowArgv(pool), ct).WithCancellation(ct))
        {
            if (reader.Read(line) is { } read && Change(read, seen) is { } change)
                yield return change;
        }
    }

    /// <summary>
    /// What one event says changed; null for one already in the buffer at start (<c>eid</c> up to
    /// <paramref name="seen"/>) or a fault report. A history event that sets or inherits a property,
    /// takes a snapshot or holds or releases one names its dataset; any other (create, destroy, rename,
    /// clone, promote, receive, a pool's own history) and any other event (a pool imported, a device's
    /// state, events dropped) may have changed anything.
    /// </summary>
    public static HostChange? Change(ZpoolEvent read, ulong seen)
    {
        if (read.IsErrorReport || read.Eid <= seen) return null;
        var at = read.Time ?? DateTimeOffset.UtcNow;
        return read is { IsHistory: true, HistoryDataset: { } dataset, HistoryName: { } name } && Confined.Contains(name)
            ? new HostChange(at, [dataset])
            : HostChange.Anything(at);
    }
}
