using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Adopts the layout on an existing host: creates <c>pool/VARSHARED</c> at /var/shared and each
/// zone's own shared dataset where missing. Creates nothing that exists; changes no BE.
/// </summary>
public sealed record InitShared : IOperation
{
    public string Action => "shared-init";
    public string? Target => null;

    public OperationError? Validate(HostState state) => null;

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var plan = new Plan();
        var layout = context.Layout;
        // An illumos host has its own shared dataset, VARSHARE: none is made beside it. Datasets that
        // share one directory each (rpool/var/log) leave the others to VARSHARED.
        if (!state.SharedDatasets.Any(s => s.Zone is null && s.Directory is null))
        {
            context.AddZfs(plan, $"create {layout.SharedDataset} at {Layout.SharedMountPoint}",
                new ZfsCreate(layout.SharedDataset, new Dictionary<string, string>
                {
                    ["mountpoint"] = Layout.SharedMountPoint, [UserProperties.ConsoleMade] = "on",
                }),
                new ZfsDestroy(layout.SharedDataset));
        }
        foreach (var zone in state.Zones.Where(z => z.Shared is null))
        {
            var zoneRootMounted = zone.BootEnvironments.Any(zb => zb.MountedAt == Layout.ZoneRoot(zone.Name));
            PlanZoneShared(context, plan, zone.Name, mount: zoneRootMounted);
        }
        plan.Report.Add(plan.Steps.Count == 0
            ? "Every shared dataset exists already; nothing to do."
            : "Shared datasets created; migrate each boot environment to move its /var data onto them.");
        return Task.FromResult(plan);
    }

    /// <summary>
    /// A zone's shared dataset: canmount=noauto because it must mount after the zone's root, which
    /// only the boot (or mount) sequence knows; mountpoint set after creation, as zfs-fuse wants.
    /// </summary>
    public static void PlanZoneShared(OperationContext context, Plan plan, string zone, bool mount)
    {
        var dataset = context.Layout.ZoneShared(zone);
        context.AddZfs(plan, $"create {dataset}",
            new ZfsCreate(dataset, new Dictionary<string, string>
            {
                ["canmount"] = "noauto", ["mountpoint"] = "none", [UserProperties.ConsoleMade] = "on",
            }),
            new ZfsDestroy(dataset));
        context.AddZfs(plan, $"mount point of {dataset}: {Layout.ZoneSharedMountPoint(zone)}",
            new ZfsSet(dataset, "mountpoint", Layout.ZoneSharedMountPoint(zone)));
        if (mount) context.AddZfs(plan, $"mount {dataset}", new ZfsMount(dataset), new ZfsUnmount(dataset));
    }
}
