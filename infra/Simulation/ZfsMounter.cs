using SnapUpgrade.Core.Zfs;
using static SnapUpgrade.Infra.Simulation.ZfsRules;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// zfs mount and unmount, and the rules zfs enforces on the mount table: a mountpoint is made
/// when missing, must be empty and free, and a mount with something mounted below it is busy.
/// Not thread-safe on its own: <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class ZfsMounter(DatasetTable datasets, MountTable mounts, PathResolver paths, TreeWriter tree)
{
    public bool IsMounted(SimDataset ds) => mounts.IsMounted(ds.Name);

    /// <summary>
    /// Mounts a file system at its mountpoint, creating the directory underneath like zfs does.
    /// Returns zfs's complaint instead of throwing so create/clone/set can word the failure.
    /// </summary>
    public string? TryMount(SimDataset ds)
    {
        var mountPoint = datasets.EffectiveMountPoint(ds)!;
        if (IsMounted(ds)) return $"cannot mount '{ds.Name}': filesystem already mounted";
        string[] target;
        try
        {
            target = paths.Resolve(mountPoint, followLast: true);
            tree.EnsureDirectory(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot mount '{mountPoint}': failed to create mountpoint: {e.Message}";
        }
        // zfs-fuse (like ZFS before overlay mounts) refuses to hide files under a mount.
        if (tree.NodeAt(target) is DirNode { Entries.Count: > 0 })
            return $"cannot mount '{mountPoint}': directory is not empty";
        if (mounts.IsTarget(target))
            return $"cannot mount '{mountPoint}': mountpoint or dataset is busy";
        mounts.Add(new SimMount(HostPath.Join(target), ds.Name, [], ReadOnly: false, IsBind: false, ds.Name));
        return null;
    }

    /// <summary>The mountpoint of the first of <paramref name="leaving"/> with a mount below it that is not itself leaving.</summary>
    public string? BusyBelow(IReadOnlyCollection<SimDataset> leaving)
    {
        var names = leaving.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var ds in leaving)
        {
            if (mounts.ZfsMountOf(ds.Name) is not { } own) continue;
            if (mounts.Below(own).Any(m => m.IsBind || !names.Contains(m.Dataset!)))
                return datasets.EffectiveMountPoint(ds) ?? ds.Name;
        }
        return null;
    }

    public void Mount(ZfsMount c)
    {
        var ds = datasets.Existing(c, c.Dataset);
        var what = $"cannot mount '{c.Dataset}'";
        if (ds.IsSnapshot) throw Fail(c, $"{what}: operation not applicable to datasets of this type");
        if (ds.CanMount == "off") throw Fail(c, $"{what}: 'canmount' property is set to 'off'");
        var mountPoint = datasets.EffectiveMountPoint(ds);
        if (mountPoint == "legacy") throw Fail(c, $"{what}: legacy mountpoint\nuse mount(8) to mount this filesystem");
        if (!IsPath(mountPoint)) throw Fail(c, $"{what}: no mountpoint set");
        if (TryMount(ds) is { } error) throw Fail(c, error);
    }

    public void Unmount(ZfsUnmount c)
    {
        var mount = c.Dataset.StartsWith('/')
            ? mounts.TopAt(HostPath.Normalize(c.Dataset), bind: false)
            : mounts.ZfsMountOf(datasets.Existing(c, c.Dataset).Name);
        if (mount is null) throw Fail(c, $"cannot unmount '{c.Dataset}': not currently mounted");
        var below = mounts.Below(mount);
        // zfs unmount takes the dataset's own descendants down with it; anything else mounted below
        // makes it busy, unless forced: then that goes too (measured on zfs-fuse, like a lazy detach).
        var descendant = mount.Dataset + "/";
        if (!c.Force && below.Any(m => m.IsBind || m.Dataset is null || !m.Dataset.StartsWith(descendant, StringComparison.Ordinal)))
            throw Fail(c, Busy(mount.Target));
        foreach (var m in below) mounts.Remove(m);
        mounts.Remove(mount);
    }
}
