using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// beadm destroy. Dependents (clones of its and its children's snapshots) are promoted first so they
/// survive; its children and zone BEs go with it; its origin snapshots go too when the console made
/// them and nothing else uses them. Promotions are undone on failure; from the first destroy on, the
/// plan rolls forward.
/// </summary>
public sealed record DestroyBe(string Name, bool ForceUnmount = false) : IOperation
{
    public string Action => "destroy";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.Be(latest, layout, Name), Scopes.Origins(latest, Name), Scopes.Dependents(latest, Name), UpgradeStaging.Scope(latest, layout, Name));

    public OperationError? Validate(HostState state) => Checks.Existing(state, Name, out var be) ?? Checks.FirstOf(
        () => Checks.NotBooted(be, "destroy"),
        () => Checks.NotUpgrading(be, "destroy"),
        () => Checks.NotActiveOnReboot(be, "destroy"),
        () => be.Keep
            ? new(ErrorCode.BeIsKept, $"Cannot destroy '{Name}': it is marked keep. Clear keep first.")
            : null,
        () => Checks.NoZoneDataBelow(be, "destroy"),
        () => ForceUnmount ? null : Checks.NotMounted(be, "destroy"),
        // Force-unmount takes children down with a mounted root; one mounted on its own is left to the user.
        () => ForceUnmount && be.IsMounted ? null : Checks.NoChildMounted(be, "destroy"),
        () => !ForceUnmount && be.ZoneBes.FirstOrDefault(z => z.IsMounted) is { } zb
            ? new(ErrorCode.BeIsMounted, $"Cannot destroy '{Name}': its zone BE {zb.Dataset} is mounted at {zb.MountedAt}. Unmount it first.")
            : null);

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        // The loader first: its steps can be undone only before the point of no return.
        if (be.IsNextBoot) await BootLoaderSteps.PlanOneShotAsync(context, plan, null, ct);
        BootLoaderSteps.PlanEntries(context, plan, state.Pool, BootLoaderSteps.Entries(state).Where(e => e.Name != Name));
        if (be.IsMounted) await UnmountBe.PlanUnmountAsync(context, plan, be, ct);
        if (be.IsNextBoot)
            context.AddZfs(plan, $"drop the one-shot next boot of {Name}",
                new ZfsInherit(context.Layout.BeContainer, UserProperties.NextBoot),
                new ZfsSet(context.Layout.BeContainer, UserProperties.NextBoot, Name));

        var origins = Promotion.Origins(state);
        // Looked up once or twice per dataset destroyed: a walk, not an index of every snapshot in the pool (issue 13).
        Snapshot? SnapshotNamed(string name) => state.AllSnapshots.FirstOrDefault(s => s.Name == name);
        var datasets = new[] { (be.Dataset, be.Snapshots) }
            .Concat(be.Children.Select(c => (c.Dataset, c.Snapshots)))
            .Concat(be.ZoneBes.Select(z => (z.Dataset, z.Snapshots))).ToList();
        foreach (var (dataset, own) in datasets) PlanPromoteDependents(context, plan, origins, state, dataset, own);
        foreach (var zoneBe in be.ZoneBes.AsEnumerable().Reverse())
            context.AddIrreversibleZfs(plan, $"destroy {zoneBe.Dataset} and its snapshots", new ZfsDestroy(zoneBe.Dataset, Recursive: true));
        // -r takes the children: the checks proved nothing else is below the root, and their dependents are promoted away.
        context.AddIrreversibleZfs(plan, $"destroy {be.Dataset}{(be.Children.Count > 0 ? ", its children" : "")} and its snapshots",
            new ZfsDestroy(be.Dataset, Recursive: true));
        foreach (var (dataset, _) in datasets)
        {
            if (origins[dataset] is not { } origin) continue;
            var users = origins.Count(o => o.Value == origin && o.Key != dataset);
            // After a planned promote the snapshot has its new name (clone@s); before, it was dataset@s.
            var shortName = origin[(origin.IndexOf('@') + 1)..];
            var consoleMade = (SnapshotNamed(origin) ?? SnapshotNamed($"{dataset}@{shortName}"))?.ConsoleMade == true;
            if (users == 0 && consoleMade)
                context.AddIrreversibleZfs(plan, $"destroy {origin}, the console's origin snapshot no other BE uses", new ZfsDestroy(origin));
        }
        await PlanUpgradeBaseAsync(context, plan, ct);
        return plan;
    }

    /// <summary>
    /// An upgrade's base (ADR 0026) goes with its BE: the shared dataset's snapshot taken when it was staged,
    /// and a read-only clone of it a cut-off run left. Nothing else uses them; kept, each would hold the shared
    /// data's old blocks for good and refuse a later upgrade into a BE of the same name.
    /// </summary>
    private async Task PlanUpgradeBaseAsync(OperationContext context, Plan plan, CancellationToken ct)
    {
        var listing = await context.ListingAsync(ct);
        if (listing.Find(UpgradeStaging.BaseClone(context.Layout, Name)) is { ConsoleMade: "on" } clone)
            context.AddIrreversibleZfs(plan, $"destroy the upgrade's base clone {clone.Name}", new ZfsDestroy(clone.Name));
        if (listing.Find(UpgradeStaging.BaseSnapshot(context.Layout, Name)) is { ConsoleMade: "on" } snapshot)
            context.AddIrreversibleZfs(plan, $"destroy the upgrade's base snapshot {snapshot.Name}", new ZfsDestroy(snapshot.Name));
    }

    /// <summary>
    /// Promotes the clone of the newest snapshot that has clones: that takes all snapshots up to it
    /// (and with them every older clone's origin) away from the dataset to be destroyed.
    /// </summary>
    private static void PlanPromoteDependents(OperationContext context, Plan plan, Dictionary<string, string?> origins,
        HostState state, string dataset, IReadOnlyList<Snapshot> own)
    {
        var newest = own.OrderByDescending(s => s.Created).FirstOrDefault(s => origins.ContainsValue(s.Name));
        if (newest is null) return;
        var clone = origins.First(o => o.Value == newest.Name).Key;
        Promotion.PlanPromote(context, plan, origins, clone, dataset);
        // Every other clone of a snapshot that moved now hangs off the promoted clone's copy of it.
        var moved = own.Where(s => s.Created <= newest.Created).Select(s => s.ShortName).ToHashSet();
        foreach (var key in origins.Keys.ToList())
        {
            if (key == clone || key == dataset || origins[key] is not { } o) continue;
            var at = o.IndexOf('@');
            if (o[..at] == dataset && moved.Contains(o[(at + 1)..])) origins[key] = $"{clone}@{o[(at + 1)..]}";
        }
    }
}
