namespace SnapUpgrade.Infra.Simulation;

// The state file and its journal: each change persisted before it returns (by StateStore), read at start.
public sealed partial class SimulatedZfs
{
    private readonly StateStore? _store;
    private int _persistenceDeferred;

    /// <summary>
    /// Holds writes of the state file until the scope is completed and disposed, then writes once (a base,
    /// or one journal line, which reading drops whole if torn): a multi-step build (the demo seed) lands
    /// whole or not at all, so a crash or failure half-way never leaves a state file with a pool that looks seeded.
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
        if (_persistenceDeferred == 0) _store?.Write(_datasets, _mounts, _trees);
    }
}
