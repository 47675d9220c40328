using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Engine;

/// <summary>The checks several operations share, each with the message a person needs.</summary>
public static class Checks
{
    public static OperationError? Existing(HostState state, string name, out BootEnvironment be)
    {
        be = null!;
        if (Names.Check(name) is { } invalid) return invalid;
        var found = state.Find(name);
        if (found is null)
            return new(ErrorCode.NotFound, $"There is no boot environment '{name}' on pool {state.Pool}.");
        be = found;
        return null;
    }

    public static OperationError? NotBooted(BootEnvironment be, string doing) => be.IsBooted
        ? new(ErrorCode.BeIsBooted, $"Cannot {doing} '{be.Name}': it is the booted boot environment (mounted at /).")
        : null;

    /// <summary>An upgrade's package command runs in it (ADR 0026): its staging is the upgrade's to take off.</summary>
    public static OperationError? NotUpgrading(BootEnvironment be, string doing) => be.Upgrade == Zfs.UserProperties.UpgradeRunning
        ? new(ErrorCode.UpgradeNotFinished, $"Cannot {doing} '{be.Name}': an upgrade is running in it. Wait for it, or cancel it.")
        : null;

    public static OperationError? NotActiveOnReboot(BootEnvironment be, string doing) => be.IsActiveOnReboot
        ? new(ErrorCode.BeIsActiveOnReboot,
            $"Cannot {doing} '{be.Name}': it is active on reboot (the pool's bootfs). Activate another boot environment first.")
        : null;

    public static OperationError? NotMounted(BootEnvironment be, string doing) => be.IsMounted
        ? new(ErrorCode.BeIsMounted, $"Cannot {doing} '{be.Name}': it is mounted at {be.MountedAt}. Unmount it first.")
        : null;

    /// <summary>No child of the BE is mounted (one with a mountpoint of its own may be, without its root).</summary>
    public static OperationError? NoChildMounted(BootEnvironment be, string doing) => be.MountedChild is { } child
        ? new(ErrorCode.BeIsMounted, $"Cannot {doing} '{be.Name}': its child {child.Dataset} is mounted at {child.MountedAt}. Unmount it first.")
        : null;

    /// <summary>
    /// No zone dataset below the BE's root: zfs renames and destroys a tree whole, and a zone's data is
    /// never part of a BE.
    /// </summary>
    public static OperationError? NoZoneDataBelow(BootEnvironment be, string doing) => be.ZoneDatasetsBelow.Count > 0
        ? new(ErrorCode.ZoneDataBelowBe,
            $"Cannot {doing} '{be.Name}': {be.ZoneDatasetsBelow[0]} belongs to a zone but sits below it, and would go with it. Move it out of the boot environment first.")
        : null;

    /// <summary>A new BE name: valid, and free both as a global BE and as any zone's BE.</summary>
    public static OperationError? FreeName(HostState state, string name)
    {
        if (Names.Check(name) is { } invalid) return invalid;
        if (state.Find(name) is not null)
            return new(ErrorCode.AlreadyExists, $"A boot environment named '{name}' already exists.");
        var zoneBe = state.Zones.SelectMany(z => z.BootEnvironments).FirstOrDefault(z => z.Name == name);
        return zoneBe is null
            ? null
            : new(ErrorCode.AlreadyExists, $"Zone '{zoneBe.Zone}' already has a boot environment named '{name}' ({zoneBe.Dataset}).");
    }

    public static OperationError? FirstOf(params Func<OperationError?>[] checks) =>
        checks.Select(c => c()).FirstOrDefault(e => e is not null);
}
