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

    public static IReadOnlyList<string> DatasetGetArgv(string pool) => GetArgv(recursive: true, [pool]);

    /// <summary>One get of every asked property of <paramref name="datasets"/>, with all below them when <paramref name="recursive"/>.</summary>
    public static IReadOnlyList<string> GetArgv(bool recursive, IEnumerable<string> datasets) =>
        ["zfs", "get", "-H", "-p", "-o", "name,property,value,source", .. recursive ? ["-r"] : Array.Empty<string>(),
            string.Join(',', ZfsGetParser.Properties), .. datasets];

    /// <summary>The get without values: which text records hold one, when some value holds a line break.</summary>
    public static IReadOnlyList<string> SourcesArgv(bool recursive, IEnumerable<string> datasets) =>
        ["zfs", "get", "-H", "-o", "name,property,source", .. recursive ? ["-r"] : Array.Empty<string>(),
            string.Join(',', ZfsGetParser.Properties), .. datasets];

    /// <summary>One value alone: all of stdout but its last line break is the value.</summary>
    public static IReadOnlyList<string> ValueArgv(string dataset, string property) =>
        ["zfs", "get", "-H", "-p", "-o", "value", property, dataset];

    private const int ListAttempts = 3;

    /// <summary>
    /// Two processes, started together: the pool, and one get of every asked property, parsed record
    /// by record (<see cref="ZfsGetParser"/>).
    /// </summary>
    public async Task<PoolListing> ListAsync(string pool, CancellationToken ct = default)
    {
        var poolTask = RunCheckedAsync(PoolListArgv(pool), ct);
        var datasets = await GetAsync(recursive: true, [pool], poolTask, ct);
        return new PoolListing(ZfsOutputParser.ParsePoolList(await poolTask), datasets);
    }

    /// <summary>
    /// At most five processes, the first four started together: the pool, one recursive get of the scope's
    /// trees, one get of its singles, and one list of the file systems below its file-system roots, then
    /// one get of those (neither zfs-fuse's nor older OpenZFS's get takes <c>-t</c>; a list of file
    /// systems does not visit their snapshots). zfs reads every name it can and fails only for the ones
    /// that do not exist: those are left out (a new BE's name); any other failure throws.
    /// </summary>
    public async Task<PoolListing> ReadAsync(string pool, ReadScope scope, CancellationToken ct = default)
    {
        var poolTask = RunCheckedAsync(PoolListArgv(pool), ct);
        var trees = scope.Trees.Count == 0 ? Task.FromResult<IReadOnlyList<ZfsDataset>>([])
            : GetAsync(recursive: true, [.. scope.Trees], poolTask, ct);
        var singles = scope.Singles.Count == 0 ? Task.FromResult<IReadOnlyList<ZfsDataset>>([])
            : GetAsync(recursive: false, [.. scope.Singles], poolTask, ct);
        var fileSystems = scope.FileSystems.Count == 0 ? Task.FromResult<IReadOnlyList<ZfsDataset>>([])
            : GetFileSystemsAsync([.. scope.FileSystems], poolTask, ct);
        return new PoolListing(ZfsOutputParser.ParsePoolList(await poolTask), [.. await trees, .. await singles, .. await fileSystems]);
    }

    /// <summary>The list of file systems and volumes below <paramref name="roots"/> (roots included), without snapshots.</summary>
    public static IReadOnlyList<string> FileSystemListArgv(IEnumerable<string> roots) =>
        ["zfs", "list", "-H", "-o", "name", "-t", "filesystem,volume", "-r", .. roots];

    private async Task<IReadOnlyList<ZfsDataset>> GetFileSystemsAsync(IReadOnlyList<string> roots, Task<string> poolTask, CancellationToken ct)
    {
        var names = (await RunGetAsync(FileSystemListArgv(roots), roots, ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return names.Length == 0 ? [] : await GetAsync(recursive: false, names, poolTask, ct);
    }

    /// <summary>
    /// One get, parsed record by record. When a value holds a line break, the text values are read one
    /// by one and the get parsed again knowing them; when the datasets changed between those reads, all
    /// of it is read again.
    /// </summary>
    private async Task<IReadOnlyList<ZfsDataset>> GetAsync(bool recursive, IReadOnlyList<string> names, Task<string> poolTask, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stdout = await RunGetAsync(GetArgv(recursive, names), names, ct);
            var altroot = ZfsOutputParser.ParsePoolList(await poolTask).Altroot;
            var parse = ZfsGetParser.Parse(stdout, altroot);
            if (parse.Datasets is null)
                parse = ZfsGetParser.Parse(stdout, altroot, await ValuesWithLineBreaksAsync(recursive, names, ct));
            if (parse.Datasets is { } datasets) return datasets;
            if (attempt == ListAttempts)
                throw new FormatException($"zfs get on {string.Join(' ', names)} could not be read record by record ({ListAttempts} tries): {parse.Problem}");
        }
    }

    private async Task<IReadOnlyDictionary<(string Name, string Property), string>> ValuesWithLineBreaksAsync(bool recursive,
        IReadOnlyList<string> names, CancellationToken ct)
    {
        var values = new Dictionary<(string Name, string Property), string>();
        foreach (var (name, property) in ZfsGetParser.TextRecords(await RunGetAsync(SourcesArgv(recursive, names), names, ct)))
        {
            var stdout = await RunCheckedAsync(ValueArgv(name, property), ct);
            var value = stdout.EndsWith('\n') ? stdout[..^1] : stdout;
            if (value.Contains('\n')) values[(name, property)] = value;
        }
        return values;
    }

    /// <summary>
    /// Runs a get (or a list) of <paramref name="names"/>: a name that does not exist makes zfs exit 1 with
    /// "cannot open '&lt;name&gt;': dataset does not exist" after printing the others; only that is forgiven.
    /// </summary>
    private async Task<string> RunGetAsync(IReadOnlyList<string> argv, IReadOnlyList<string> names, CancellationToken ct)
    {
        var result = await _runner.RunAsync(argv, ct: ct);
        if (result.Succeeded || (result.ExitCode == 1 && OnlyMissing(result.StandardError, names))) return result.StandardOutput;
        throw new ZfsCommandException(argv, result.ExitCode, result.StandardError);
    }

    /// <summary>
    /// Whether every line of <paramref name="stderr"/> says that one of <paramref name="names"/> does not exist. The
    /// name is taken out of the line and looked up (issue 13: a promote's read names a thousand snapshots, half of them
    /// not there yet; matching each line against every name formatted cost 50 MB and tens of milliseconds a read).
    /// </summary>
    private static bool OnlyMissing(string stderr, IReadOnlyList<string> names)
    {
        const string Before = "cannot open '", After = "': dataset does not exist";
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0) return false;
        var asked = names.ToHashSet(StringComparer.Ordinal);
        return lines.All(line => line.Length > Before.Length + After.Length
            && line.StartsWith(Before, StringComparison.Ordinal) && line.EndsWith(After, StringComparison.Ordinal)
            && asked.Contains(line[Before.Length..^After.Length]));
    }

    public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default) => RunCheckedAsync(command.Argv, ct);

    private async Task<string> RunCheckedAsync(IReadOnlyList<string> argv, CancellationToken ct)
    {
        var result = await _runner.RunAsync(argv, ct: ct);
        if (!result.Succeeded) throw new ZfsCommandException(argv, result.ExitCode, result.StandardError);
        return result.StandardOutput;
    }
}
