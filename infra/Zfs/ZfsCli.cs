using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// The real <see cref="IZfs"/>: zfs/zpool run as argv. Works with OpenZFS 2.x and zfs-fuse because it
/// only uses what both have (TESTING.md): <c>zpool list -H -o</c> instead of <c>zpool get</c>, one
/// explicit-property <c>zfs get -r</c> instead of <c>zfs list -p</c> or <c>get all</c> (OpenZFS 2.3's
/// <c>zfs get -j</c> would need no checking of records; zfs-fuse has no JSON).
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

    /// <summary>The get without values: which text records hold one, when some value holds a line break.</summary>
    public static IReadOnlyList<string> SourcesArgv(string pool) =>
        ["zfs", "get", "-H", "-o", "name,property,source", "-r", string.Join(',', ZfsGetParser.Properties), pool];

    /// <summary>One value alone: all of stdout but its last line break is the value.</summary>
    public static IReadOnlyList<string> ValueArgv(string dataset, string property) =>
        ["zfs", "get", "-H", "-p", "-o", "value", property, dataset];

    private const int ListAttempts = 3;

    /// <summary>
    /// Two processes, started together: the pool, and one get of every asked property, parsed record
    /// by record (<see cref="ZfsGetParser"/>). When a value holds a line break, the text values are
    /// read one by one and the get parsed again knowing them; when the pool changed between those
    /// reads, all of it is read again.
    /// </summary>
    public async Task<PoolListing> ListAsync(string pool, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var poolTask = RunCheckedAsync(PoolListArgv(pool), ct);
            var getTask = RunCheckedAsync(DatasetGetArgv(pool), ct);
            await Task.WhenAll(poolTask, getTask);
            var info = ZfsOutputParser.ParsePoolList(poolTask.Result);
            var parse = ZfsGetParser.Parse(getTask.Result, info.Altroot);
            if (parse.Datasets is null)
                parse = ZfsGetParser.Parse(getTask.Result, info.Altroot, await ValuesWithLineBreaksAsync(pool, ct));
            if (parse.Datasets is { } datasets) return new PoolListing(info, datasets);
            if (attempt == ListAttempts)
                throw new FormatException($"zfs get on {pool} could not be read record by record ({ListAttempts} tries): {parse.Problem}");
        }
    }

    private async Task<IReadOnlyDictionary<(string Name, string Property), string>> ValuesWithLineBreaksAsync(string pool, CancellationToken ct)
    {
        var values = new Dictionary<(string Name, string Property), string>();
        foreach (var (name, property) in ZfsGetParser.TextRecords(await RunCheckedAsync(SourcesArgv(pool), ct)))
        {
            var stdout = await RunCheckedAsync(ValueArgv(name, property), ct);
            var value = stdout.EndsWith('\n') ? stdout[..^1] : stdout;
            if (value.Contains('\n')) values[(name, property)] = value;
        }
        return values;
    }

    public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default) => RunCheckedAsync(command.Argv, ct);

    private async Task<string> RunCheckedAsync(IReadOnlyList<string> argv, CancellationToken ct)
    {
        var result = await _runner.RunAsync(argv, ct: ct);
        if (!result.Succeeded) throw new ZfsCommandException(argv, result.ExitCode, result.StandardError);
        return result.StandardOutput;
    }
}
