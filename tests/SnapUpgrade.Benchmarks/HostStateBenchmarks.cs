using BenchmarkDotNet.Attributes;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// Reading the whole host state, as <c>BeEngine.GetStateAsync</c> does: one listing (a constant
/// number of zfs/zpool processes on zfs-fuse) turned into a <see cref="HostState"/>.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs every case in a process of its own and calls [GlobalSetup] once there, so
/// each pool is built exactly once per (BeCount, Backend) and destroyed in [GlobalCleanup]; a static
/// cache could not outlive that process. 1000 BEs on zfs-fuse take ~3000 zfs commands to build
/// (a few minutes); the smoke run limits BeCount to 10 (see <see cref="BenchRun"/>).
/// The job (few iterations) and the memory diagnoser are in <see cref="BenchConfig"/>.
/// </remarks>
[Config(typeof(BenchConfig))]
public class HostStateBenchmarks
{
    private BenchHost _host = null!;

    [ParamsSource(nameof(BeCounts))]
    public int BeCount { get; set; }

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = BenchRun.Simulated;

    public static IEnumerable<int> BeCounts => BenchRun.BeCounts;

    public static IEnumerable<string> Backends => BenchRun.Backends;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await BenchHost.CreateLoggedAsync(Backend, BeCount);
        // Fail here rather than measure the wrong pool; no [GlobalCleanup] to rely on after a failed setup.
        var count = (await ReadHostState()).BootEnvironments.Count;
        if (count == BeCount) return;
        await _host.DisposeAsync();
        throw new InvalidOperationException($"expected {BeCount} BEs on {Backend}, read {count}");
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    [Benchmark]
    public async Task<HostState> ReadHostState() =>
        HostStateReader.Read(await _host.Zfs.ListAsync(_host.Pool), DateTimeOffset.UtcNow);
}
