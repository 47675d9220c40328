namespace SnapUpgrade.Core.Engine;

/// <summary>
/// When the engine's latest changes ran, on the host's wall clock (the clock ZFS stamps its events with,
/// not the engine's <see cref="TimeProvider"/>, which a test or the simulator's demo seed may move): a
/// host event stamped inside one is the engine's own (<see cref="IEngine.WasChanging"/>). Keeps the last
/// <see cref="Kept"/>; events that arrive later than that many changes are treated as someone else's
/// (a read too many, never one missed).
/// </summary>
internal sealed class ChangeWindows
{
    public const int Kept = 32;

    private readonly Lock _gate = new();
    private readonly Queue<(DateTimeOffset Began, DateTimeOffset Ended)> _ended = new();
    private DateTimeOffset? _running;

    public void Begin()
    {
        lock (_gate) _running = DateTimeOffset.UtcNow;
    }

    public void End()
    {
        lock (_gate)
        {
            if (_running is not { } began) return;
            _running = null;
            _ended.Enqueue((began, DateTimeOffset.UtcNow));
            if (_ended.Count > Kept) _ended.Dequeue();
        }
    }

    public bool Contains(DateTimeOffset moment)
    {
        lock (_gate)
            return (_running is { } began && moment >= began) || _ended.Any(w => moment >= w.Began && moment <= w.Ended);
    }
}
