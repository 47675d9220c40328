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

    public Task<PoolListing> ListAsync(string pool, CancellationToken ct = default) => inner.ListAsync(pool, ct);

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
