using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// A new zone: its container <c>pool/zones/&lt;zone&gt;</c>, <c>ROOT</c>, a zone BE for the booted global BE
/// (mounted at /zones/&lt;zone&gt;/root) and the zone's own shared dataset. The zone BE is born migrated:
/// its /var/adm ... are relative links into the zone's /var/shared.
/// </summary>
public sealed record CreateZone(string Name) : IOperation
{
    public string Action => "zone-create";
    public string? Target => Name;

    public OperationError? Validate(HostState state)
    {
        if (Names.Check(Name, "zone") is { } invalid) return invalid;
        if (state.FindZone(Name) is not null) return new(ErrorCode.ZoneExists, $"Zone '{Name}' already exists.");
        return state.Booted is not { Uuid: not null }
            ? new(ErrorCode.NoBootedBe, "No boot environment (with a uuid) is booted; a zone's first BE belongs to the booted one.")
            : null;
    }

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var layout = context.Layout;
        var booted = state.Booted!;
        var plan = new Plan();
        // zfs makes the mount point of the zone's container and leaves it when the container goes: made
        // here first, its undo (after the destroy has unmounted it) removes it again.
        var zonePath = Layout.ZonePath(Name);
        plan.Add($"make directory {zonePath}", ["mkdir", "-p", zonePath],
            run => FileSteps.CreateDirectoriesAsync(context.Files, run, zonePath, (UnixFileMode)0x1ED), new UndoNothing()); // 0755, as zfs makes it
        if (!state.HasZonesContainer)
            context.AddZfs(plan, $"create {layout.ZonesContainer}", new ZfsCreate(layout.ZonesContainer, new Dictionary<string, string>
            {
                ["mountpoint"] = "/zones", ["canmount"] = "off", [UserProperties.ConsoleMade] = "on",
            }), new ZfsDestroy(layout.ZonesContainer));
        context.AddZfs(plan, $"create {layout.Zone(Name)} at {Layout.ZonePath(Name)}", new ZfsCreate(layout.Zone(Name), UserProperties.ConsoleMadeMark), new ZfsDestroy(layout.Zone(Name)));
        context.AddZfs(plan, $"create {layout.ZoneBeContainer(Name)}", new ZfsCreate(layout.ZoneBeContainer(Name), new Dictionary<string, string>
        {
            ["canmount"] = "off", ["mountpoint"] = "none", [UserProperties.ConsoleMade] = "on",
        }), new ZfsDestroy(layout.ZoneBeContainer(Name)));

        var zoneBe = layout.ZoneBe(Name, booted.Name);
        var active = state.BootTarget?.Uuid == booted.Uuid;
        context.AddZfs(plan, $"create zone BE {zoneBe} for {booted.Name}", new ZfsCreate(zoneBe, new Dictionary<string, string>
        {
            ["canmount"] = "noauto", [UserProperties.ParentBe] = booted.Uuid!, [UserProperties.Active] = active ? "on" : "off",
            [UserProperties.ConsoleMade] = "on",
        }), new ZfsDestroy(zoneBe));
        context.AddZfs(plan, $"mount point of {zoneBe}: {Layout.ZoneRoot(Name)}", new ZfsSet(zoneBe, "mountpoint", Layout.ZoneRoot(Name)));
        context.AddZfs(plan, $"mount {zoneBe}", new ZfsMount(zoneBe), new ZfsUnmount(zoneBe));
        InitShared.PlanZoneShared(context, plan, Name, mount: true);
        plan.Add($"lay out /var of zone {Name} with links into its shared dataset", ["mkdir", Layout.Under(Layout.ZoneRoot(Name), "/var")], _ =>
        {
            var files = context.Files;
            files.CreateDirectory(Layout.Under(Layout.ZoneRoot(Name), "/var"));
            foreach (var dir in Layout.SharedDirectories)
            {
                files.CreateDirectory($"{Layout.ZoneSharedMountPoint(Name)}/{dir}");
                files.CreateSymlink(Layout.Under(Layout.ZoneRoot(Name), $"/var/{dir}"), SharedLinks.Target(dir));
            }
            return Task.CompletedTask;
        }, new UndoNothing());
        return Task.FromResult(plan);
    }
}
