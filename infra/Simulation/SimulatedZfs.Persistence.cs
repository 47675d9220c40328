namespace SnapUpgrade.Infra.Simulation;

// The state file: written whole after each change (by StateStore), read at start.
public sealed partial class SimulatedZfs
{
    private readonly string? _stateFile;
    private int _persistenceDeferred;

    /// <summary>
    /// Holds writes of the state file until the scope is completed and disposed, then writes once:
    /// a multi-step build (the demo seed) lands whole or not at all, so a crash or failure half-way
    /// never leaves a state file with a pool that looks seeded.
    /// </summary>
    internal PersistenceScope DeferPersistence()
    {
        lock (_gate) _persistenceDeferred++;
        return new PersistenceScope(this);
    }

    internal sealed class PersistenceScope(SimulatedZfs owner) : IDisposable
    {
        private bool _completed;
        private bool _disposed;

        public void Complete() => _completed = true;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            lock (owner._gate)
            {
                if (--owner._persistenceDeferred == 0 && _completed) owner.Persist();
            }
        }
    }

    private void Persist()
    {
        if (_stateFile is null || _persistenceDeferred > 0) return;
        StateStore.Write(_stateFile, _datasets, _mounts, _trees);
    }
}
