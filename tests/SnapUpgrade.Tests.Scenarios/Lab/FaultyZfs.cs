using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Tests.Scenarios.Lab;

/// <summary>
/// A hand-written fault injector around a real <see cref="IZfs"/>: the Nth command after arming
/// fails once (as zfs would, with exit 1), or hangs forever (a process killed mid-operation).
/// </summary>
public sealed class FaultyZfs(IZfs inner) : IZfs
{
    private int _countdown = -1;
    private bool _hang;
    private readonly TaskCompletionSource _hung = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ZfsCapabilities Capabilities => inner.Capabilities;
    public int Executed { get; private set; }
    public List<ZfsCommand> Log { get; } = [];

    /// <summary>The command with this 0-based index from now fails once.</summary>
    public void FailAt(int index) => (_countdown, _hang) = (index, false);

    /// <summary>The command with this 0-based index from now never returns.</summary>
    public void HangAt(int index) => (_countdown, _hang) = (index, true);

    public void Disarm() => _countdown = -1;

    /// <summary>Completes when a command has started hanging.</summary>
    public Task Hung => _hung.Task;

    /// <summary>How many whole-pool listings the engine asked for (issue 13: an operation on a known host asks for none).</summary>
    public int Listings => Volatile.Read(ref _listings);

    /// <summary>How many scoped reads the engine asked for.</summary>
    public int ScopedReads => Volatile.Read(ref _scopedReads);

    /// <summary>Every snapshot the scoped reads gave, by name, as often as it was read.</summary>
    public IReadOnlyList<string> SnapshotsRead { get { lock (_snapshotsRead) return [.. _snapshotsRead]; } }

    private int _listings;
    private int _scopedReads;
    private readonly List<string> _snapshotsRead = [];

    public Task<PoolListing> ListAsync(string pool, CancellationToken ct = default)
    {
        Interlocked.Increment(ref _listings);
        return inner.ListAsync(pool, ct);
    }

    public async Task<PoolListing> ReadAsync(string pool, ReadScope scope, CancellationToken ct = default)
    {
        Interlocked.Increment(ref _scopedReads);
        var read = await inner.ReadAsync(pool, scope, ct);
        lock (_snapshotsRead) _snapshotsRead.AddRange(read.Datasets.Where(d => d.IsSnapshot).Select(d => d.Name));
        return read;
    }

    public async Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default)
    {
        if (_countdown == 0)
        {
            _countdown = -1;
            if (_hang)
            {
                _hung.TrySetResult();
                await new TaskCompletionSource().Task;
            }
            throw new ZfsCommandException(command.Argv, 1, "injected fault");
        }
        if (_countdown > 0) _countdown--;
        Executed++;
        Log.Add(command);
        await inner.ExecuteAsync(command, ct);
    }
}
