using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Rolls a BE (and its children and zone BEs that have the snapshot) back to a snapshot. Never the booted BE.
/// Later snapshots are destroyed only when asked, and never when a BE is cloned from one.
/// </summary>
public sealed record RollbackBe(string Name, string Snapshot, bool DestroyLaterSnapshots = false) : IOperation
{
    public string Action => "rollback";
    public string? Target => $"{Name}@{Snapshot}";

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.Be(latest, layout, Name), Scopes.Dependents(latest, Name));

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } error) return error;
        if (Names.Check(Snapshot, "snapshot") is { } invalid) return invalid;
        if ((Checks.NotBooted(be, "roll back") ?? Checks.NotMounted(be, "roll back")) is { } refused) return refused;
        var datasets = Datasets(be).ToList();
        if (!datasets.Any(d => d.Snapshots.Any(s => s.ShortName == Snapshot)) || !be.Snapshots.Any(s => s.ShortName == Snapshot))
            return new(ErrorCode.SnapshotNotFound, $"'{Name}' has no snapshot '{Snapshot}'.");
        var later = datasets.SelectMany(d => Later(d.Snapshots)).ToList();
        if (later.Count > 0 && !DestroyLaterSnapshots)
            return new(ErrorCode.LaterSnapshotsExist,
                $"'{Name}' has snapshots newer than '{Snapshot}' ({string.Join(", ", later.Select(s => s.ShortName).Distinct())}); rolling back destroys them. Ask for that explicitly.");
        return later.FirstOrDefault(s => s.Clones.Count > 0) is { } cloned
            ? new(ErrorCode.SnapshotHasClones, $"Cannot roll back past {cloned.Name}: {string.Join(", ", cloned.Clones)} is cloned from it.")
            : null;
    }

    private static IEnumerable<(string Dataset, IReadOnlyList<Snapshot> Snapshots)> Datasets(BootEnvironment be) =>
        new[] { (be.Dataset, be.Snapshots) }.Concat(be.Children.Select(c => (c.Dataset, c.Snapshots))).Concat(be.ZoneBes.Select(z => (z.Dataset, z.Snapshots)));

    /// <summary>Snapshots taken after the target: the listing keeps zfs's creation order, finer than the creation second.</summary>
    private IEnumerable<Snapshot> Later(IReadOnlyList<Snapshot> snapshots) =>
        snapshots.SkipWhile(s => s.ShortName != Snapshot).Skip(1);

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var plan = new Plan();
        foreach (var (dataset, snapshots) in Datasets(state.Find(Name)!).Where(d => d.Snapshots.Any(s => s.ShortName == Snapshot)))
        {
            context.AddIrreversibleZfs(plan, $"roll {dataset} back to @{Snapshot}",
                new ZfsRollback($"{dataset}@{Snapshot}", DestroyLater: Later(snapshots).Any()));
        }
        return Task.FromResult(plan);
    }
}
