using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>Destroys a zone: its BEs and its shared dataset (its mail and logs) with it. Admins only.</summary>
public sealed record DestroyZone(string Name) : IOperation
{
    public string Action => "zone-destroy";
    public string? Target => Name;

    public OperationError? Validate(HostState state)
    {
        if (Names.Check(Name, "zone") is { } invalid) return invalid;
        var zone = state.FindZone(Name);
        if (zone is null) return new(ErrorCode.ZoneNotFound, $"There is no zone '{Name}'.");
        var cloned = zone.BootEnvironments.SelectMany(zb => zb.Snapshots)
            .FirstOrDefault(s => s.Clones.Any(c => !c.StartsWith(zone.Dataset + "/", StringComparison.Ordinal)));
        return cloned is null
            ? null
            : new(ErrorCode.SnapshotHasClones, $"Cannot destroy zone '{Name}': {string.Join(", ", cloned.Clones)} is cloned from {cloned.Name}.");
    }

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var zone = state.FindZone(Name)!;
        var plan = new Plan();
        var mounted = zone.BootEnvironments.Where(zb => zb.IsMounted).Select(zb => (zb.Dataset, At: zb.MountedAt!))
            .Concat(zone.Shared?.MountedAt is { } s ? [(zone.Shared.Dataset, s)] : [])
            .ToList();
        var binds = (await context.Mounts.ListAsync(ct))
            .Where(b => mounted.Any(m => FileSteps.IsUnder(b.Target, m.At) || FileSteps.IsUnder(b.Source, m.At)));
        foreach (var bind in binds.OrderByDescending(b => b.Target.Length)) FileSteps.Unbind(context, plan, bind);
        foreach (var (dataset, at) in mounted.OrderByDescending(m => m.At.Length))
            context.AddZfs(plan, $"unmount {dataset} from {at}", new ZfsUnmount(dataset), new ZfsMount(dataset));
        context.AddIrreversibleZfs(plan, $"destroy {zone.Dataset} with its BEs and shared dataset", new ZfsDestroy(zone.Dataset, Recursive: true));
        return plan;
    }
}
