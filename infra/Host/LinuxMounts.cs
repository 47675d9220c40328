using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Process;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IMounts"/> over the Linux mount table: <c>mount --bind</c>, then a read-only remount
/// (a bind cannot be made read-only in one step), <c>umount</c>, and <c>/proc/self/mountinfo</c>
/// for listing. Which mounts count as binds: see <see cref="MountInfoParser.Binds"/>.
/// </summary>
public sealed class LinuxMounts(string hostRoot, IProcessRunner? runner = null) : IMounts
{
    private const string MountInfoPath = "/proc/self/mountinfo";

    private readonly HostPaths _paths = new(hostRoot);
    private readonly IProcessRunner _runner = runner ?? new ProcessRunner(TimeSpan.FromSeconds(30));

    public async Task<IReadOnlyList<BindMount>> ListAsync(CancellationToken ct = default)
    {
        var entries = MountInfoParser.Parse(await File.ReadAllTextAsync(MountInfoPath, ct));
        var binds = new List<BindMount>();
        foreach (var (bind, original) in MountInfoParser.Binds(entries))
        {
            if (_paths.ToHost(bind.MountPoint) is not { } target) continue;
            var source = MountInfoParser.SourceOf(bind, original);
            // A source outside the host root has no host path; it is shown as the local path.
            binds.Add(new BindMount(_paths.ToHost(source) ?? source, target, bind.ReadOnly));
        }
        return binds;
    }

    public async Task BindAsync(string source, string target, bool readOnly, CancellationToken ct = default)
    {
        var steps = DescribeBind(source, target, readOnly);
        (await _runner.RunAsync(steps[0], ct: ct)).EnsureSuccess();
        if (steps.Count == 1) return;
        var remount = await _runner.RunAsync(steps[1], ct: CancellationToken.None);
        if (remount.Succeeded) return;
        // Never leave a read-write bind where a read-only one was asked for.
        await _runner.RunAsync(DescribeUnmount(target), ct: CancellationToken.None);
        remount.EnsureSuccess();
    }

    public async Task UnmountAsync(string target, CancellationToken ct = default) =>
        (await _runner.RunAsync(DescribeUnmount(target), ct: ct)).EnsureSuccess();

    public IReadOnlyList<IReadOnlyList<string>> DescribeBind(string source, string target, bool readOnly)
    {
        var local = _paths.ToLocal(target);
        IReadOnlyList<string> bind = ["mount", "--bind", _paths.ToLocal(source), local];
        return readOnly ? [bind, ["mount", "-o", "remount,bind,ro", local]] : [bind];
    }

    public IReadOnlyList<string> DescribeUnmount(string target) => ["umount", _paths.ToLocal(target)];
}
