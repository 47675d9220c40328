using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// beadm create: a new BE cloned from the booted BE (default), another BE, or a snapshot <c>be@snap</c>.
/// One snapshot of the source, its children and its zone BEs (atomic where the backend can), then one
/// clone each: the children of a deep BE under the new root with the same relative names.
/// Shared datasets are never cloned: the new BE's links point at the same /var/shared.
/// </summary>
public sealed record CreateBe(string Name, string? Source = null, string? Description = null) : IOperation
{
    public const int MaxDescriptionLength = 1024;

    public string Action => "create";
    public string? Target => Name;

    public ReadScope Scope(HostState latest, Layout layout) => ReadScope.Union(Scopes.Base(latest, layout),
        Scopes.NewName(latest, layout, Name),
        (string.IsNullOrEmpty(Source) ? latest.Booted?.Name : Source.Split('@')[0]) is { } source ? Scopes.BeFileSystems(latest, layout, source) : ReadScope.Empty);

    public OperationError? Validate(HostState state)
    {
        if (Checks.FreeName(state, Name) is { } nameError) return nameError;
        if (Description is { Length: > MaxDescriptionLength })
            return new(ErrorCode.InvalidDescription, $"The description is {Description.Length} characters long; at most {MaxDescriptionLength} are allowed.");
        if (Description is not null && Description.Any(char.IsControl))
            return new(ErrorCode.InvalidDescription, "The description must not contain control characters (new lines, tabs).");
        return ResolveSource(state, out _, out _);
    }

    private OperationError? ResolveSource(HostState state, out BootEnvironment source, out string? snapshot)
    {
        source = null!;
        snapshot = null;
        if (string.IsNullOrEmpty(Source))
        {
            if (state.Booted is null)
                return new(ErrorCode.NoBootedBe, "No boot environment is booted on this pool; name a source boot environment.");
            source = state.Booted;
            return null;
        }
        var at = Source.IndexOf('@');
        var beName = at < 0 ? Source : Source[..at];
        if (Names.Check(beName) is not null || (at >= 0 && Names.Check(Source[(at + 1)..], "snapshot") is not null))
            return new(ErrorCode.InvalidSource, $"'{Source}' is not a boot environment or a snapshot of one (be or be@snapshot).");
        if (state.Find(beName) is not { } be)
            return new(ErrorCode.InvalidSource, $"The source boot environment '{beName}' does not exist.");
        source = be;
        if (at < 0) return null;
        snapshot = Source[(at + 1)..];
        var name = snapshot;
        if (!be.Snapshots.Any(s => s.ShortName == name))
            return new(ErrorCode.SnapshotNotFound, $"Boot environment '{beName}' has no snapshot '{snapshot}'.");
        // A deep BE is cloned whole or not at all: every child needs the snapshot too.
        return be.Children.FirstOrDefault(c => !c.Snapshots.Any(s => s.ShortName == name)) is { } missing
            ? new(ErrorCode.SnapshotNotFound, $"'{Source}' does not cover the whole boot environment: its child {missing.Dataset} has no snapshot '{snapshot}'.")
            : null;
    }

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        ResolveSource(state, out var source, out var snapshot);
        var plan = new Plan();
        var layout = context.Layout;
        var uuid = context.Generated.NewUuid().ToString();

        // Zone BEs come along when they have the snapshot (an existing one) or always (a new one).
        var zoneBes = source.ZoneBes
            .Where(zb => snapshot is null || zb.Snapshots.Any(s => s.ShortName == snapshot)).ToList();
        if (snapshot is null)
        {
            snapshot = Snapshots.FreeName(context, state);
            Snapshots.PlanTake(context, plan, source, zoneBes.Select(z => z.Dataset), snapshot, consoleMade: true);
        }

        var target = layout.Be(Name);
        var properties = new Dictionary<string, string>
        {
            ["canmount"] = "noauto", [UserProperties.Uuid] = uuid, [UserProperties.ConsoleMade] = "on",
        };
        if (!string.IsNullOrWhiteSpace(Description)) properties[UserProperties.Description] = Description;
        // Mountpoint only after the clone: a clone given one at creation is mounted at once on zfs-fuse.
        context.AddZfs(plan, $"clone {source.Dataset}@{snapshot} as {target}",
            new ZfsClone($"{source.Dataset}@{snapshot}", target, properties), new ZfsDestroy(target));
        BeTree.PlanClones(context, plan, source, snapshot, target);
        context.AddZfs(plan, $"set the mountpoint of {target} to /", new ZfsSet(target, "mountpoint", "/"));
        BeTree.PlanOwnMountPoints(context, plan, source, target);
        foreach (var zoneBe in zoneBes)
        {
            var zoneTarget = layout.ZoneBe(zoneBe.Zone, Name);
            context.AddZfs(plan, $"clone zone {zoneBe.Zone}'s {zoneBe.Dataset}@{snapshot} as {zoneTarget}",
                new ZfsClone($"{zoneBe.Dataset}@{snapshot}", zoneTarget, new Dictionary<string, string>
                {
                    ["canmount"] = "noauto", [UserProperties.ParentBe] = uuid, [UserProperties.Active] = "off",
                    [UserProperties.ConsoleMade] = "on",
                }),
                new ZfsDestroy(zoneTarget));
            context.AddZfs(plan, $"set the mountpoint of {zoneTarget} to {Layout.ZoneRoot(zoneBe.Zone)}",
                new ZfsSet(zoneTarget, "mountpoint", Layout.ZoneRoot(zoneBe.Zone)));
        }
        BootLoaderSteps.PlanEntries(context, plan, state.Pool, [.. BootLoaderSteps.Entries(state), (Name, target)]);
        return Task.FromResult(plan);
    }
}
