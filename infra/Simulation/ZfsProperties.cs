using SnapUpgrade.Core.Zfs;
using static SnapUpgrade.Infra.Simulation.ZfsRules;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// zfs set and zfs inherit, with the remounts a change of where file systems mount brings.
/// Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class ZfsProperties(DatasetTable datasets, MountTable mounts, ZfsMounter mounter)
{
    public void Set(ZfsSet c)
    {
        var ds = datasets.Existing(c, c.Dataset);
        var what = $"cannot set property for '{c.Dataset}'";
        var value = CheckProperty(c, c.Property, c.Value, ds.IsSnapshot, what);
        Change(c, ds, c.Property, value);
    }

    public void Inherit(ZfsInherit c)
    {
        var ds = datasets.Existing(c, c.Dataset);
        var what = $"cannot inherit {c.Property} for '{c.Dataset}'";
        if (string.IsNullOrEmpty(c.Property)) throw Usage(c, "missing property argument");
        if (!IsUserProperty(c.Property))
        {
            if (c.Property == "canmount") throw Fail(c, $"'canmount' property cannot be inherited");
            if (IsReadOnlyNative(c.Property)) throw Fail(c, $"'{c.Property}' property is read-only");
            if (!IsNative(c.Property)) throw Fail(c, $"invalid property '{c.Property}'");
            if (ds.IsSnapshot) throw Fail(c, $"{what}: this property can not be modified for snapshots");
        }
        Change(c, ds, c.Property, null);
    }

    /// <summary>
    /// Sets (or, with null, clears) a property. Changing where file systems mount unmounts the ones
    /// affected first (refusing when busy, as zfs does), then mounts those that were mounted and
    /// those with canmount=on; canmount=off unmounts.
    /// </summary>
    private void Change(ZfsCommand c, SimDataset ds, string name, string? value)
    {
        var remounts = name is "mountpoint" || (name == "canmount" && value == "off")
            ? (name == "mountpoint" ? datasets.InheritingMountPoint(ds) : [ds]).Where(mounter.IsMounted).ToList()
            : [];
        if (remounts.Count > 0 && mounter.BusyBelow(remounts) is { } busy)
            throw Fail(c, Busy(busy));
        foreach (var m in remounts.OrderByDescending(m => m.Name.Length)) mounts.RemoveZfsMount(m.Name);

        if (value is null) ds.Local.Remove(name);
        else ds.Local[name] = value;
        datasets.Changed(ds);

        if (name != "mountpoint") return;
        // Measured on zfs-fuse: after a mountpoint change, what was mounted mounts again at the new
        // place and what has canmount=on mounts too; a canmount=noauto one that was not mounted stays so.
        var toMount = datasets.InheritingMountPoint(ds).Where(d => remounts.Contains(d) || d.CanMount == "on");
        var errors = toMount.OrderBy(d => d.Name.Length)
            .Where(d => d.CanMount != "off" && IsPath(datasets.EffectiveMountPoint(d)) && !mounter.IsMounted(d))
            .Select(mounter.TryMount).OfType<string>().ToList();
        if (errors.Count > 0) throw Fail(c, $"property may be set but unable to remount filesystem\n{string.Join('\n', errors)}");
    }
}
