using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// A hand-written <see cref="IHostChanges"/>: each follow says it follows at once, then reports what the
/// test pushes, until the test ends it (the follower died) or the watcher stops following.
/// </summary>
internal sealed class FakeHostChanges : IHostChanges
{
    private readonly Lock _gate = new();
    private Channel<HostChange>? _current;
    private int _starts;
    private int _stops;

    public int Starts => Volatile.Read(ref _starts);
    public int Stops => Volatile.Read(ref _stops);

    public void Push(HostChange change)
    {
        lock (_gate)
            if (_current is null || !_current.Writer.TryWrite(change)) throw new InvalidOperationException("nothing follows now");
    }

    public void Push(params string[] datasets) => Push(new HostChange(DateTimeOffset.UtcNow, datasets));

    /// <summary>The follow under way ends, as when the zpool process died.</summary>
    public void End()
    {
        lock (_gate) _current?.Writer.TryComplete();
    }

    public async IAsyncEnumerable<HostChange> FollowAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<HostChange>();
        lock (_gate) _current = channel;
        Interlocked.Increment(ref _starts);
        try
        {
            yield return HostChange.Resumed(DateTimeOffset.UtcNow);
            await foreach (var change in channel.Reader.ReadAllAsync(ct)) yield return change;
        }
        finally
        {
            lock (_gate) if (_current == channel) _current = null;
            Interlocked.Increment(ref _stops);
        }
    }
}
