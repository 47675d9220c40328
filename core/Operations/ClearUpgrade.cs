using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// The admin's end of an upgrade (ADR 0026, issue 14 point 3: "the staged tree is kept until the admin
/// clears it"): once the booted BE's staged writes were applied, its staged tree
/// (<see cref="UpgradeStaging.StagedDirectory"/>, the console's own copy) is removed without following a
/// link out of it, the base snapshot of the shared data is destroyed, and the BE's upgrade mark goes. A
/// removal cut off half-way leaves the mark, and clearing again finishes it.
/// </summary>
public sealed record ClearUpgrade(string Name) : IOperation
{
    public string Action => "clear-upgrade";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => UpgradeStaging.Scope(latest, layout, Name);

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } missing) return missing;
        return be.Upgrade switch
        {
            UserProperties.UpgradeApplied when be.IsBooted => null,
            UserProperties.UpgradeApplied => new(ErrorCode.NotSupported, $"'{Name}' is not booted: clear its upgrade from it."),
            UserProperties.UpgradeFailed => new(ErrorCode.UpgradeNotFinished, $"The upgrade of '{Name}' failed: destroy '{Name}' (its base goes with it)."),
            null => new(ErrorCode.NotSupported, $"'{Name}' was not made by an upgrade."),
            var mark => new(ErrorCode.UpgradeNotFinished, $"The upgrade of '{Name}' is {mark}: its staged writes are not applied yet (they are at its first start)."),
        };
    }

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        var tree = UpgradeStaging.StagedDirectory[..UpgradeStaging.StagedDirectory.LastIndexOf('/')];
        plan.Add($"remove the staged tree {tree} of {Name} (applied to the shared data at its first start)",
            ["rm", "-r", "--one-file-system", tree], _ =>
            {
                if (context.Files.GetKind(tree) != Host.FileKind.Missing) context.Files.DeleteTree(tree);
                return Task.CompletedTask;
            }, new UndoNothing());
        if ((await context.ListingAsync(ct)).Find(UpgradeStaging.BaseSnapshot(context.Layout, Name)) is { ConsoleMade: "on" } snapshot)
            context.AddIrreversibleZfs(plan, $"destroy the upgrade's base snapshot {snapshot.Name}", new ZfsDestroy(snapshot.Name));
        context.AddIrreversibleZfs(plan, $"clear the upgrade mark of {Name}", new ZfsInherit(be.Dataset, UserProperties.Upgrade));
        return plan;
    }
}
