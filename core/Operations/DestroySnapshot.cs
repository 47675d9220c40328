using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>Destroys a BE's snapshot (and its zone BEs' snapshots of that name); refused while a BE is cloned from it.</summary>
public sealed record DestroySnapshot(string Name, string Snapshot) : IOperation
{
    public string Action => "destroy-snapshot";
    public string? Target => $"{Name}@{Snapshot}";

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.Be(latest, layout, Name), Scopes.Dependents(latest, Name));

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } error) return error;
        if (Names.Check(Snapshot, "snapshot") is { } invalid) return invalid;
        var all = Matching(be).ToList();
        if (all.Count == 0) return new(ErrorCode.SnapshotNotFound, $"'{Name}' has no snapshot '{Snapshot}'.");
        return all.FirstOrDefault(s => s.Clones.Count > 0) is { } cloned
            ? new(ErrorCode.SnapshotHasClones,
                $"Cannot destroy {cloned.Name}: {string.Join(", ", cloned.Clones)} {(cloned.Clones.Count == 1 ? "is" : "are")} cloned from it. Destroy or promote those first.")
            : null;
    }

    private IEnumerable<Snapshot> Matching(BootEnvironment be) =>
        be.Snapshots.Concat(be.ZoneBes.SelectMany(z => z.Snapshots)).Where(s => s.ShortName == Snapshot);

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var plan = new Plan();
        foreach (var snapshot in Matching(state.Find(Name)!))
            context.AddIrreversibleZfs(plan, $"destroy snapshot {snapshot.Name}", new ZfsDestroy(snapshot.Name));
        return Task.FromResult(plan);
    }
}
