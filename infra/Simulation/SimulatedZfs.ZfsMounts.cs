using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

// zfs mount / unmount and the mount-table rules zfs enforces (busy, not empty, canmount).
public sealed partial class SimulatedZfs
{
    private bool IsMounted(SimDataset ds) => ZfsMountOf(ds.Name) is not null;

    private SimMount? ZfsMountOf(string dataset) => _mounts.FirstOrDefault(m => !m.IsBind && m.Dataset == dataset);

    /// <summary>What zfs-fuse prints when umount(8) refuses (measured).</summary>
    private static string Busy(string mountPoint) =>
        $"umount: {mountPoint}: target is busy.\ncannot unmount '{mountPoint}': umount failed";

    /// <summary>How zfs names a mount in its complaints: the mountpoint property.</summary>
    private string ZfsMountPointOf(SimDataset ds) => EffectiveMountPoint(ds) ?? ds.Name;

    private void RemoveZfsMount(SimDataset ds) => _mounts.RemoveAll(m => !m.IsBind && m.Dataset == ds.Name);

    /// <summary>
    /// Mounts a file system at its mountpoint, creating the directory underneath like zfs does.
    /// Returns zfs's complaint instead of throwing so create/clone/set can word the failure.
    /// </summary>
    private string? TryMount(SimDataset ds)
    {
        var mountPoint = EffectiveMountPoint(ds)!;
        if (IsMounted(ds)) return $"cannot mount '{ds.Name}': filesystem already mounted";
        string[] target;
        try
        {
            target = Resolve(mountPoint, followLast: true);
            EnsureDirectory(target);
        }
        catch (IOException e)
        {
            return $"cannot mount '{mountPoint}': failed to create mountpoint: {e.Message}";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"cannot mount '{mountPoint}': failed to create mountpoint: {e.Message}";
        }
        // zfs-fuse (like ZFS before overlay mounts) refuses to hide files under a mount.
        if (NodeAt(target) is DirNode { Entries.Count: > 0 })
            return $"cannot mount '{mountPoint}': directory is not empty";
        if (_mounts.Any(m => m.TargetSegments.AsSpan().SequenceEqual(target)))
            return $"cannot mount '{mountPoint}': mountpoint or dataset is busy";
        _mounts.Add(new SimMount(HostPath.Join(target), ds.Name, [], ReadOnly: false, IsBind: false, ds.Name));
        return null;
    }

    /// <summary>The mountpoint of the first mount that sits below one of <paramref name="leaving"/>'s mounts and is not itself leaving.</summary>
    private string? BusyBelow(IReadOnlyCollection<SimDataset> leaving)
    {
        var names = leaving.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var ds in leaving)
        {
            if (ZfsMountOf(ds.Name) is not { } own) continue;
            var nested = _mounts.FirstOrDefault(m => m != own && m.TargetSegments.Length > own.TargetSegments.Length
                && HostPath.StartsWith(m.TargetSegments, own.TargetSegments) && !(!m.IsBind && names.Contains(m.Dataset!)));
            if (nested is not null) return ZfsMountPointOf(ds);
        }
        return null;
    }

    private void MountCommand(ZfsMount c)
    {
        var ds = Existing(c, c.Dataset);
        var what = $"cannot mount '{c.Dataset}'";
        if (ds.IsSnapshot) throw Fail(c, $"{what}: operation not applicable to datasets of this type");
        if (ds.CanMount == "off") throw Fail(c, $"{what}: 'canmount' property is set to 'off'");
        var mountPoint = EffectiveMountPoint(ds);
        if (mountPoint == "legacy") throw Fail(c, $"{what}: legacy mountpoint\nuse mount(8) to mount this filesystem");
        if (!IsPath(mountPoint)) throw Fail(c, $"{what}: no mountpoint set");
        if (TryMount(ds) is { } error) throw Fail(c, error);
    }

    private void UnmountCommand(ZfsUnmount c)
    {
        var mount = c.Dataset.StartsWith('/')
            ? _mounts.LastOrDefault(m => !m.IsBind && m.Target == HostPath.Normalize(c.Dataset))
            : ZfsMountOf(Existing(c, c.Dataset).Name);
        if (mount is null) throw Fail(c, $"cannot unmount '{c.Dataset}': not currently mounted");
        var below = _mounts.Where(m => m != mount && m.TargetSegments.Length > mount.TargetSegments.Length
            && HostPath.StartsWith(m.TargetSegments, mount.TargetSegments)).ToList();
        // zfs unmount takes the dataset's own descendants down with it; anything else mounted below
        // makes it busy, unless forced: then that goes too (measured on zfs-fuse, like a lazy detach).
        var descendant = mount.Dataset + "/";
        if (!c.Force && below.Any(m => m.IsBind || m.Dataset is null || !m.Dataset.StartsWith(descendant, StringComparison.Ordinal)))
            throw Fail(c, Busy(mount.Target));
        foreach (var m in below) _mounts.Remove(m);
        _mounts.Remove(mount);
    }
}
