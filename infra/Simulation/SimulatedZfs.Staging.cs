using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;

namespace SnapUpgrade.Infra.Simulation;

// IStagingMounts: an upgrade's tmpfs and overlays (ADR 0026), as the kernel mounts them.
public sealed partial class SimulatedZfs
{
    public Task MountTmpfsAsync(string target, int sizeMiB, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeMiB, 1);
        Mutate(() =>
        {
            var onto = StagingTarget(target);
            _mounts.Add(new SimMount(HostPath.Join(onto), _trees.NewScratch(0x1C0), [], ReadOnly: false, IsBind: true, "tmpfs")); // 0700
        });
        return Task.CompletedTask;
    }

    public Task MountOverlayAsync(OverlayLayers layers, string target, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Mutate(() =>
        {
            var lower = _paths.Locate(StagingDirectory(layers.Lower));
            var upper = _paths.Locate(StagingDirectory(layers.Upper));
            var work = _paths.Locate(StagingDirectory(layers.Work));
            if (upper.Dataset != work.Dataset || !ReferenceEquals(upper.Mount, work.Mount))
                throw new IOException($"mount: {target}: workdir and upperdir must be on the same file system", 22);
            if (upper.ReadOnly) throw new ReadOnlyFileSystemException(layers.Upper);
            var onto = StagingTarget(target);
            _mounts.Add(new SimMount(HostPath.Join(onto), upper.Dataset, upper.Inner, ReadOnly: false, IsBind: true, "overlay",
                new SimLayer(lower.Dataset, lower.Inner)));
        });
        return Task.CompletedTask;
    }

    public Task MountProcAsync(string target, CancellationToken ct = default) => MountScratchAsync(target, 0x16D, "proc", ct); // 0555

    public Task MountSysAsync(string target, CancellationToken ct = default) => MountScratchAsync(target, 0x16D, "sysfs", ct, readOnly: true);

    public Task MountDevAsync(string target, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Mutate(() =>
        {
            var onto = StagingTarget(target);
            _mounts.Add(new SimMount(HostPath.Join(onto), _trees.NewScratch(0x1ED), [], ReadOnly: false, IsBind: true, "tmpfs")); // 0755
            foreach (var (name, major, minor) in IStagingMounts.DevNodes)
                _tree.AddNew([.. onto, name], $"{target}/{name}", meta => new SpecialNode(meta, new SpecialFile(SpecialKind.CharacterDevice, major, minor)), 0x1B6);
            foreach (var (name, to) in IStagingMounts.DevLinks)
                _tree.AddNew([.. onto, name], $"{target}/{name}", meta => new LinkNode(to, meta), LinkNode.LinkMode);
            _tree.EnsureDirectory([.. onto, "pts"], 0x1ED);
        });
        return Task.CompletedTask;
    }

    public Task MountPtsAsync(string target, CancellationToken ct = default) => MountScratchAsync(target, 0x1ED, "devpts", ct);

    /// <summary>A kernel file system of its own (proc, sysfs, devpts): an empty volume here, gone when unmounted.</summary>
    private Task MountScratchAsync(string target, int mode, string type, CancellationToken ct, bool readOnly = false)
    {
        ct.ThrowIfCancellationRequested();
        Mutate(() => _mounts.Add(new SimMount(HostPath.Join(StagingTarget(target)), _trees.NewScratch(mode), [], readOnly, IsBind: true, type)));
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> DescribeProc(string target) => StagingMountCommand.Proc(target);

    public IReadOnlyList<string> DescribeSys(string target) => StagingMountCommand.Sys(target);

    public IReadOnlyList<string> DescribeDev(string target) => PlannedStep.Chain(StagingMountCommand.Dev(target, target));

    public IReadOnlyList<string> DescribePts(string target) => StagingMountCommand.Pts(target);

    public Task<IReadOnlyList<string>> ListStagingAsync(CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Read<IReadOnlyList<string>>(() => [.. _mounts.Staging.Select(m => m.Target)]));
    }

    public IReadOnlyList<string> DescribeTmpfs(string target, int sizeMiB) => StagingMountCommand.Tmpfs(target, sizeMiB);

    public IReadOnlyList<string> DescribeOverlay(OverlayLayers layers, string target) =>
        StagingMountCommand.Overlay(layers.Lower, layers.Upper, layers.Work, target);

    /// <summary>A directory the port resolves without following a link (LinuxMounts opens it so).</summary>
    private string[] StagingDirectory(string path)
    {
        var at = _paths.ResolveNoFollow(path, lastMayBeLink: false);
        return _paths.NodeAt(at) is DirNode ? at : throw new DirectoryNotFoundException($"mount: {path}: not a directory");
    }

    private string[] StagingTarget(string target)
    {
        var at = StagingDirectory(target);
        return at.Length > 0 ? at : throw new IOException($"mount: {target}: cannot mount over the root", 16);
    }
}
