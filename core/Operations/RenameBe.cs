using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// beadm rename: the BE (zfs renames its children with it) and its zone BEs; a one-shot next boot
/// follows the new name, and so do the boot loader's entry and one-shot entry.
/// </summary>
public sealed record RenameBe(string Name, string NewName) : IOperation
{
    public string Action => "rename";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.Be(latest, layout, Name), Scopes.NewName(latest, layout, NewName), Scopes.Dependents(latest, Name));

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ?? Checks.FirstOf(
        () => Checks.NotBooted(be, "rename"),
        () => Checks.NotActiveOnReboot(be, "rename"),
        () => Checks.NotMounted(be, "rename"),
        () => Checks.NoChildMounted(be, "rename"),
        () => Checks.NoZoneDataBelow(be, "rename"),
        () => be.ZoneBes.FirstOrDefault(z => z.IsMounted) is { } zb
            ? new(ErrorCode.BeIsMounted, $"Cannot rename '{Name}': its zone BE {zb.Dataset} is mounted at {zb.MountedAt}.")
            : null,
        () => MountedClone(state, be) is { } clone
            ? new(ErrorCode.DependentMounted,
                $"Cannot rename '{Name}': {clone.Dataset} is cloned from it and mounted at {clone.MountedAt}; zfs would have to unmount it. Activate and boot, or destroy, the clone first.")
            : null,
        () => Checks.FreeName(state, NewName));

    /// <summary>
    /// zfs rename remounts the clones of the renamed file system's snapshots; a clone mounted at /
    /// (the booted BE, cloned from this one) is busy, so zfs would fail half-way through its own work.
    /// </summary>
    private static (string Dataset, string MountedAt)? MountedClone(HostState state, BootEnvironment be)
    {
        // Asked for every row of the BE page (its Rename button): the mounted clones are few, and this BE's
        // snapshots are gathered only when there is one (issue 13).
        if (state.MountedClones.Count == 0) return null;
        var snapshots = be.Snapshots.Concat(be.Children.SelectMany(c => c.Snapshots)).Concat(be.ZoneBes.SelectMany(z => z.Snapshots))
            .Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (dataset, origin, mountedAt) in state.MountedClones)
            if (snapshots.Contains(origin)) return (dataset, mountedAt);
        return null;
    }

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var layout = context.Layout;
        var plan = new Plan();
        context.AddZfs(plan, $"rename {be.Dataset}{(be.Children.Count > 0 ? " and its children" : "")} to {layout.Be(NewName)}",
            new ZfsRename(be.Dataset, layout.Be(NewName)), new ZfsRename(layout.Be(NewName), be.Dataset));
        foreach (var zoneBe in be.ZoneBes)
        {
            var to = layout.ZoneBe(zoneBe.Zone, NewName);
            context.AddZfs(plan, $"rename zone BE {zoneBe.Dataset} to {to}",
                new ZfsRename(zoneBe.Dataset, to), new ZfsRename(to, zoneBe.Dataset));
        }
        if (be.IsNextBoot)
            context.AddZfs(plan, $"keep the one-shot next boot on the renamed BE",
                new ZfsSet(layout.BeContainer, UserProperties.NextBoot, NewName),
                new ZfsSet(layout.BeContainer, UserProperties.NextBoot, Name));
        var entries = BootLoaderSteps.Entries(state);
        entries[entries.FindIndex(e => e.Name == Name)] = (NewName, layout.Be(NewName));
        BootLoaderSteps.PlanEntries(context, plan, state.Pool, entries);
        if (be.IsNextBoot) await BootLoaderSteps.PlanOneShotAsync(context, plan, NewName, ct);
        return plan;
    }
}
