using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Tests.Component.Fakes;

/// <summary>
/// A hand-written state stream: tests <see cref="Push"/> states and <see cref="Fail"/> reads. With an engine
/// and nothing pushed yet, the first subscriber gets the engine's state (so a page test only sets the
/// engine's state); <see cref="Nudge"/> pushes the engine's state again, as the real watcher would.
/// </summary>
public sealed class FakeHostStateStream(IEngine? engine = null) : IHostStateStream
{
    private readonly Lock _gate = new();
    private readonly List<Action<HostState>> _onChange = [];
    private readonly List<Action<string?>> _onError = [];
    private HostState? _current;

    /// <summary>False: nothing arrives until a test pushes (the loading state).</summary>
    public bool SeedFromEngine { get; set; } = engine is not null;
    public int Nudges { get; private set; }
    public int Subscribers { get { lock (_gate) return _onChange.Count; } }

    public HostState? Current => _current ?? (SeedFromEngine ? Read() : null);
    public string? Error { get; private set; }

    public IDisposable Subscribe(Action<HostState> onChange, bool watching)
    {
        lock (_gate) _onChange.Add(onChange);
        if (Current is { } current) onChange(current);
        return new Unsubscribe(() => { lock (_gate) _onChange.Remove(onChange); });
    }

    public IDisposable SubscribeErrors(Action<string?> onError)
    {
        lock (_gate) _onError.Add(onError);
        if (_current is null && SeedFromEngine) Read();
        if (Error is { } error) onError(error);
        return new Unsubscribe(() => { lock (_gate) _onError.Remove(onError); });
    }

    /// <summary>The pushed state, or the engine's (read now) when seeding from it.</summary>
    public Task<HostState> LatestAsync(CancellationToken ct = default) =>
        Current is { } state ? Task.FromResult(state) : Task.FromException<HostState>(new IOException(Error ?? "nothing pushed"));

    public void Nudge()
    {
        Nudges++;
        if (engine is null || !SeedFromEngine) return;
        if (Read() is { } state) Push(state);
        else Fail(Error!);
    }

    public void Push(HostState state)
    {
        _current = state;
        Error = null;
        foreach (var onError in Snapshot(_onError)) onError(null);
        foreach (var onChange in Snapshot(_onChange)) onChange(state);
    }

    public void Fail(string message)
    {
        Error = message;
        foreach (var onError in Snapshot(_onError)) onError(message);
    }

    /// <summary>The engine's state, or null with <see cref="Error"/> set when the engine throws (as the watcher does).</summary>
    private HostState? Read()
    {
        try
        {
            Error = null;
            return _current = engine!.GetStateAsync().GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            Error = ex.Message;
            return null;
        }
    }

    private List<T> Snapshot<T>(List<T> list) { lock (_gate) return [.. list]; }

    private sealed class Unsubscribe(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
