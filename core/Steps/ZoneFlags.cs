using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// Zone BE <c>active</c> flags are derived state: on exactly for the zone BEs whose <c>parentbe</c> is
/// the BE the next boot will use. Activation, boot and crash recovery all set them through here.
/// </summary>
public static class ZoneFlags
{
    public static void Plan(OperationContext context, Plan plan, HostState state, BootEnvironment? target)
    {
        foreach (var zoneBe in state.Zones.SelectMany(z => z.BootEnvironments))
        {
            var wanted = target?.Uuid is not null && zoneBe.ParentBe == target.Uuid;
            if (zoneBe.Active == wanted) continue;
            context.AddZfs(plan, $"mark zone BE {zoneBe.Zone}/{zoneBe.Name} {(wanted ? "active" : "inactive")}",
                new ZfsSet(zoneBe.Dataset, UserProperties.Active, wanted ? "on" : "off"),
                new ZfsSet(zoneBe.Dataset, UserProperties.Active, zoneBe.Active ? "on" : "off"));
        }
    }
}
