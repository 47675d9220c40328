using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IMounts"/> over the Linux mount table: <c>mount --bind</c>, then a remount that adds
/// <c>nosuid,nodev</c> always and <c>ro</c> on request (<see cref="BindMountCommand"/>), <c>umount</c>,
/// and <c>/proc/self/mountinfo</c> for listing. Which mounts count as binds: see
/// <see cref="MountInfoParser.Binds"/>.
/// <para>
/// Source and target are resolved without following any link (<see cref="UnsafePathException"/>
/// otherwise). mount(8) would canonicalize (follow links in) what it is given, so it runs with
/// <c>--no-canonicalize</c> and is handed <c>/proc/&lt;pid&gt;/fd/&lt;n&gt;</c> paths of the
/// directories resolved here: what it mounts is what was checked. The argv shown by
/// <see cref="DescribeBind"/> is the same with those paths written as local paths under the
/// canonical host root, which is also what the mount table shows and what listing matches on.
/// </para>
/// </summary>
public sealed class LinuxMounts(string hostRoot, IProcessRunner? runner = null) : IMounts, IStagingMounts
{
    private const string MountInfoPath = "/proc/self/mountinfo";

    private readonly HostTree _tree = new(new HostPaths(hostRoot));
    private readonly IProcessRunner _runner = runner ?? new ProcessRunner(TimeSpan.FromSeconds(30));

    public async Task<IReadOnlyList<BindMount>> ListAsync(CancellationToken ct = default)
    {
        var paths = CanonicalPaths();
        var entries = MountInfoParser.Parse(await File.ReadAllTextAsync(MountInfoPath, ct));
        var binds = new List<BindMount>();
        foreach (var (bind, original) in MountInfoParser.Binds(entries))
        {
            if (paths.ToHost(bind.MountPoint) is not { } target) continue;
            var source = MountInfoParser.SourceOf(bind, original);
            // A source outside the host root has no host path; it is shown as the local path.
            binds.Add(new BindMount(paths.ToHost(source) ?? source, target, bind.ReadOnly));
        }
        return binds;
    }

    public async Task BindAsync(string source, string target, bool readOnly, CancellationToken ct = default)
    {
        using var root = _tree.OpenRoot();
        using var from = _tree.OpenDirectory(root, source);
        var (parent, name) = _tree.OpenParent(root, target);
        using (parent)
        {
            using (var onto = parent.OpenAt(name, Native.OPath | Native.ODirectory, target))
                (await _runner.RunAsync(BindMountCommand.Bind(from.ProcPath, onto.ProcPath), ct: ct)).EnsureSuccess();
            ProcessResult remount;
            // The name in the same parent now leads to the bind's root: the mount to remount.
            using (var mounted = parent.OpenAt(name, Native.OPath | Native.ODirectory, target))
                remount = await _runner.RunAsync(BindMountCommand.Remount(mounted.ProcPath, readOnly), ct: CancellationToken.None);
            if (remount.Succeeded) return;
            // Never leave a bind without nosuid,nodev (or read-write where read-only was asked for).
            await _runner.RunAsync(BindMountCommand.Unmount($"{parent.ProcPath}/{name}"), ct: CancellationToken.None);
            remount.EnsureSuccess();
        }
    }

    public async Task UnmountAsync(string target, CancellationToken ct = default)
    {
        using var root = _tree.OpenRoot();
        var (parent, name) = _tree.OpenParent(root, target);
        using (parent)
        {
            if (parent.IsLink(name)) throw new UnsafePathException(target, "a symbolic link is in the way");
            // By the parent's fd and the name: an fd on the mount itself would keep it busy.
            (await _runner.RunAsync(BindMountCommand.Unmount($"{parent.ProcPath}/{name}"), ct: ct)).EnsureSuccess();
        }
    }

    public Task MountTmpfsAsync(string target, int sizeMiB, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeMiB, 1);
        return MountOntoAsync(target, onto => StagingMountCommand.Tmpfs(onto, sizeMiB), ct);
    }

    public async Task MountOverlayAsync(OverlayLayers layers, string target, CancellationToken ct = default)
    {
        using var root = _tree.OpenRoot();
        using var lower = _tree.OpenDirectory(root, layers.Lower);
        using var upper = _tree.OpenDirectory(root, layers.Upper);
        using var work = _tree.OpenDirectory(root, layers.Work);
        // The kernel opens the layers by these fd paths: what it stacks is what was checked here.
        await MountOntoAsync(target, onto => StagingMountCommand.Overlay(lower.ProcPath, upper.ProcPath, work.ProcPath, onto), ct);
    }

    public Task MountProcAsync(string target, CancellationToken ct = default) => MountOntoAsync(target, StagingMountCommand.Proc, ct);

    public Task MountSysAsync(string target, CancellationToken ct = default) => MountOntoAsync(target, StagingMountCommand.Sys, ct);

    public async Task MountDevAsync(string target, CancellationToken ct = default)
    {
        await MountOntoAsync(target, StagingMountCommand.DevTmpfs, ct);
        try
        {
            // The fresh tmpfs, opened again without following a link; its entries made by its fd path.
            using var root = _tree.OpenRoot();
            using var dev = _tree.OpenDirectory(root, target);
            foreach (var argv in StagingMountCommand.Dev(dev.ProcPath, dev.ProcPath).Skip(1))
                (await _runner.RunAsync(argv, ct: ct)).EnsureSuccess();
        }
        catch
        {
            await UnmountAsync(target, CancellationToken.None);
            throw;
        }
    }

    public Task MountPtsAsync(string target, CancellationToken ct = default) => MountOntoAsync(target, StagingMountCommand.Pts, ct);

    public IReadOnlyList<string> DescribeProc(string target) => StagingMountCommand.Proc(CanonicalPaths().ToLocal(target));

    public IReadOnlyList<string> DescribeSys(string target) => StagingMountCommand.Sys(CanonicalPaths().ToLocal(target));

    public IReadOnlyList<string> DescribeDev(string target)
    {
        var local = CanonicalPaths().ToLocal(target);
        return PlannedStep.Chain(StagingMountCommand.Dev(local, local));
    }

    public IReadOnlyList<string> DescribePts(string target) => StagingMountCommand.Pts(CanonicalPaths().ToLocal(target));

    /// <summary>Runs a mount onto the directory <paramref name="target"/>, opened by its parent and name without following a link.</summary>
    private async Task MountOntoAsync(string target, Func<string, IReadOnlyList<string>> argv, CancellationToken ct)
    {
        using var root = _tree.OpenRoot();
        var (parent, name) = _tree.OpenParent(root, target);
        using (parent)
        using (var onto = parent.OpenAt(name, Native.OPath | Native.ODirectory, target))
            (await _runner.RunAsync(argv(onto.ProcPath), ct: ct)).EnsureSuccess();
    }

    public async Task<IReadOnlyList<string>> ListStagingAsync(CancellationToken ct = default)
    {
        var paths = CanonicalPaths();
        return [.. MountInfoParser.Parse(await File.ReadAllTextAsync(MountInfoPath, ct))
            .Where(e => e.FsType is "tmpfs" or "overlay" or "proc" or "sysfs" or "devpts")
            .Select(e => paths.ToHost(e.MountPoint))
            .OfType<string>()
            .Where(target => target != "/")];
    }

    public IReadOnlyList<string> DescribeTmpfs(string target, int sizeMiB) => StagingMountCommand.Tmpfs(CanonicalPaths().ToLocal(target), sizeMiB);

    public IReadOnlyList<string> DescribeOverlay(OverlayLayers layers, string target)
    {
        var paths = CanonicalPaths();
        return StagingMountCommand.Overlay(paths.ToLocal(layers.Lower), paths.ToLocal(layers.Upper), paths.ToLocal(layers.Work), paths.ToLocal(target));
    }

    public IReadOnlyList<IReadOnlyList<string>> DescribeBind(string source, string target, bool readOnly)
    {
        var paths = CanonicalPaths();
        var local = paths.ToLocal(target);
        return [BindMountCommand.Bind(paths.ToLocal(source), local), BindMountCommand.Remount(local, readOnly)];
    }

    public IReadOnlyList<string> DescribeUnmount(string target) => BindMountCommand.Unmount(CanonicalPaths().ToLocal(target));

    /// <summary>
    /// Host paths under the host root as the kernel names it (the mount table shows canonical
    /// paths; the configured root may go through a link). As configured while it does not exist.
    /// </summary>
    private HostPaths CanonicalPaths()
    {
        try
        {
            using var root = _tree.OpenRoot();
            // readlink of the fd's magic link: the kernel's own name for the opened directory.
            return new HostPaths(new FileInfo($"/proc/self/fd/{root.Value}").LinkTarget ?? _tree.Paths.Root);
        }
        catch (FileNotFoundException)
        {
            return _tree.Paths;
        }
    }
}
