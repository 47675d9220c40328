using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

// The host's changes as OpenZFS and the mount table report them (IHostChanges): every change to the
// simulated host goes through this object, so following it misses nothing, and the watcher need not poll.
public sealed partial class SimulatedZfs : IHostChanges
{
    private readonly List<ChannelWriter<HostChange>> _followers = [];

    /// <summary>How many follow now.</summary>
    internal int Followers
    {
        get { lock (_gate) return _followers.Count; }
    }

    /// <summary>
    /// What OpenZFS's event stream and the mount table would say (<c>ZpoolEventChanges</c>, <c>MountTableChanges</c>):
    /// a zfs command that sets or inherits a property or takes snapshots names its datasets, any other
    /// may have changed anything; a mount that came, went or changed names its dataset. Writing files
    /// is no change, as on a real host. Stamped with the wall clock, as the kernel stamps its events.
    /// </summary>
    public async IAsyncEnumerable<HostChange> FollowAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<HostChange>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate) _followers.Add(channel.Writer);
        try
        {
            yield return HostChange.Resumed(DateTimeOffset.UtcNow);
            await foreach (var change in channel.Reader.ReadAllAsync(ct)) yield return change;
        }
        finally
        {
            lock (_gate) _followers.Remove(channel.Writer);
        }
    }

    /// <summary>The datasets a zfs command's history event names: empty when it may change anything, null for no event (a mount: the mount table says).</summary>
    internal static IReadOnlyList<string>? Named(ZfsCommand command) => command switch
    {
        ZfsSet set => [set.Dataset],
        ZfsInherit inherit => [inherit.Dataset],
        ZfsSnapshot { Recursive: false } snapshot => snapshot.Snapshots,
        ZfsMount or ZfsUnmount => null,
        _ => [],
    };

    /// <summary>Under the lock, after a change: tells every follower what it changed (nothing for a file written).</summary>
    /// <param name="named">What the change's history event names (<see cref="Named"/>); null: it has none.</param>
    private void Report(IReadOnlyList<string>? named, IReadOnlyList<SimMount>? mountsBefore)
    {
        if (_followers.Count == 0) return;
        var at = DateTimeOffset.UtcNow;
        List<HostChange> changes = [];
        if (named is not null) changes.Add(new HostChange(at, named));
        if (mountsBefore is not null && MountsChanged(mountsBefore, _mounts.Entries) is { Count: > 0 } mounted) changes.Add(new HostChange(at, mounted));
        foreach (var follower in _followers)
            foreach (var change in changes) follower.TryWrite(change);
    }

    /// <summary>The datasets whose mounts (binds of them included, an upgrade's staging mounts not) differ between the two tables.</summary>
    private static List<string> MountsChanged(IReadOnlyList<SimMount> before, IReadOnlyList<SimMount> after)
    {
        var count = new Dictionary<SimMount, int>();
        foreach (var m in before.Where(m => m.Dataset is not null && !m.IsStaging)) count[m] = count.GetValueOrDefault(m) + 1;
        foreach (var m in after.Where(m => m.Dataset is not null && !m.IsStaging)) count[m] = count.GetValueOrDefault(m) - 1;
        return [.. count.Where(c => c.Value != 0).Select(c => c.Key.Dataset!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
