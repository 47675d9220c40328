using SnapUpgrade.Core.Host;
using BindMountCommand = SnapUpgrade.Infra.Host.BindMountCommand;

namespace SnapUpgrade.Infra.Simulation;

// IMounts: bind mounts of directories (of datasets or the base directory) at other host paths.
public sealed partial class SimulatedZfs
{
    public Task<IReadOnlyList<BindMount>> ListAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read<IReadOnlyList<BindMount>>(() =>
            [.. _mounts.Binds.Select(m => new BindMount(m.Source, m.Target, m.ReadOnly))]));
    }

    /// <summary>Binds the directory <paramref name="source"/> resolves to: the bind follows that dataset, wherever it is mounted later.</summary>
    public Task BindAsync(string source, string target, bool readOnly, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Mutate(() =>
        {
            var from = _paths.Resolve(source, followLast: true);
            if (_paths.NodeAt(from) is not DirNode)
                throw new DirectoryNotFoundException($"mount: {source}: special device does not exist or is not a directory");
            var to = _paths.Resolve(target, followLast: true);
            if (_paths.NodeAt(to) is not DirNode)
                throw new DirectoryNotFoundException($"mount: {target}: mount point does not exist");
            var at = _paths.Locate(from);
            _mounts.Add(new SimMount(HostPath.Join(to), at.Dataset, at.Inner, readOnly, IsBind: true, HostPath.Join(from)));
        });
        return Task.CompletedTask;
    }

    public Task UnmountAsync(string target, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Mutate(() =>
        {
            var path = HostPath.Join(_paths.Resolve(target, followLast: true));
            var mount = _mounts.TopAt(path) ?? throw new IOException($"umount: {target}: not mounted", 22);
            if (!mount.IsBind)
                throw new IOException($"umount: {target}: a ZFS mount of '{mount.Dataset}'; unmount it through zfs", 22);
            if (_mounts.Below(mount).Count > 0) throw new IOException($"umount: {target}: target is busy", 16);
            _mounts.Remove(mount);
            // A tmpfs lives on while an overlay still stacks on it (the kernel's overlay holds a private clone of its upper's mount).
            if (Scratch.IsScratch(mount.Dataset) && !_mounts.Entries.Any(m => m.Dataset == mount.Dataset)) _trees.DropScratch(mount.Dataset!);
        });
        return Task.CompletedTask;
    }

    /// <summary>What <c>LinuxMounts</c> shows, with host paths: bind, then remount nosuid,nodev (and ro).</summary>
    public IReadOnlyList<IReadOnlyList<string>> DescribeBind(string source, string target, bool readOnly) =>
        [BindMountCommand.Bind(source, target), BindMountCommand.Remount(target, readOnly)];

    public IReadOnlyList<string> DescribeUnmount(string target) => BindMountCommand.Unmount(target);
}
