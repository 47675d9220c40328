using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>A snapshot of a BE, its children and its zone BEs, under one name (default: the UTC time).</summary>
public sealed record SnapshotBe(string Name, string? Snapshot = null) : IOperation
{
    public string Action => "snapshot";
    public string? Target => Name;

    /// <summary>The BE's file systems, and the names a given snapshot takes in each (the check that it is free); the snapshot taken is read after (<see cref="Plan.Touches"/>).</summary>
    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.BeFileSystems(latest, layout, Name),
        Snapshot is not null && latest.Find(Name) is { } be
            ? new([], be.Children.Select(c => c.Dataset).Prepend(be.Dataset).Concat(be.ZoneBes.Select(z => z.Dataset)).Select(d => $"{d}@{Snapshot}"))
            : ReadScope.Empty);

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ?? Checks.FirstOf(
        () => Snapshot is null ? null : Names.Check(Snapshot, "snapshot"),
        () => Snapshot is not null && be.Snapshots.Concat(be.Children.SelectMany(c => c.Snapshots)).Concat(be.ZoneBes.SelectMany(z => z.Snapshots)).Any(s => s.ShortName == Snapshot)
            ? new(ErrorCode.AlreadyExists, $"'{Name}' already has a snapshot '{Snapshot}'.")
            : null);

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        var name = Snapshot ?? Snapshots.FreeName(context, state);
        Snapshots.PlanTake(context, plan, be, be.ZoneBes.Select(z => z.Dataset), name, consoleMade: false);
        plan.Report.Add($"Snapshot {Name}@{name} taken.");
        return Task.FromResult(plan);
    }
}
