using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Process;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// The real <see cref="IZfs"/>: zfs/zpool run as argv. Works with OpenZFS 2.x and zfs-fuse because it
/// only uses what both have (TESTING.md): <c>zpool list -H -o</c> instead of <c>zpool get</c>, one
/// explicit-property <c>zfs get -r</c> instead of <c>zfs list -p</c> or <c>get all</c>.
/// Mountpoints given to zfs are host paths as they are: under an altroot zfs itself puts the altroot
/// in front (measured on zfs-fuse: <c>mountpoint=/a</c> mounts at <c>&lt;altroot&gt;/a</c>).
/// </summary>
public sealed class ZfsCli(ZfsCapabilities capabilities, IProcessRunner? runner = null) : IZfs
{
    private readonly IProcessRunner _runner = runner ?? new ProcessRunner();

    public ZfsCapabilities Capabilities { get; } = capabilities;

    /// <summary>Asks <c>zfs version</c> which backend this is; throws when it cannot tell.</summary>
    public static async Task<ZfsCli> DetectAsync(IProcessRunner? runner = null, CancellationToken ct = default)
    {
        runner ??= new ProcessRunner();
        var result = await runner.RunAsync(["zfs", "version"], ct: ct);
        return new ZfsCli(ZfsOutputParser.ParseVersion(result.ExitCode, result.StandardOutput, result.StandardError), runner);
    }

    public static IReadOnlyList<string> PoolListArgv(string pool) =>
        ["zpool", "list", "-H", "-o", "name,health,bootfs,altroot,guid,size,allocated,free", pool];

    public static IReadOnlyList<string> DatasetGetArgv(string pool) =>
        ["zfs", "get", "-H", "-p", "-o", "name,property,value,source", "-r", string.Join(',', ZfsGetParser.Properties), pool];

    public async Task<PoolListing> ListAsync(string pool, CancellationToken ct = default)
    {
        // Exactly two processes, started together; the altroot from the first one is needed only
        // to parse the second one's output.
        var poolTask = RunCheckedAsync(PoolListArgv(pool), ct);
        var getTask = RunCheckedAsync(DatasetGetArgv(pool), ct);
        await Task.WhenAll(poolTask, getTask);
        var info = ZfsOutputParser.ParsePoolList(poolTask.Result);
        return new PoolListing(info, ZfsGetParser.Parse(getTask.Result, info.Altroot));
    }

    public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default) => RunCheckedAsync(command.Argv, ct);

    private async Task<string> RunCheckedAsync(IReadOnlyList<string> argv, CancellationToken ct)
    {
        var result = await _runner.RunAsync(argv, ct: ct);
        if (!result.Succeeded) throw new ZfsCommandException(argv, result.ExitCode, result.StandardError);
        return result.StandardOutput;
    }
}
