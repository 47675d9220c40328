using BenchmarkDotNet.Attributes;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// Issue 13's first target: what create and activate cost on a host of 3 BEs and on one of 1000, run
/// through the engine as the API runs them (check, plan, journal, steps). Each benchmark leaves the
/// pool as it found it (create then destroy; activate then activate back), so every iteration sees the
/// same host. The target is 1000 BEs within 1.5x of 3. Two activations: be2's, a clone of be1's oldest
/// snapshot, whose promote moves one snapshot; and a BE made from the booted one (the common case, and what the
/// load run, tests/scale/load.sh, activates), whose promote moves every snapshot of the booted BE and changes the
/// origin of every BE cloned from them.
/// </summary>
[Config(typeof(BenchConfig))]
public class OperationBenchmarks
{
    private BenchHost _host = null!;
    private BeEngine _engine = null!;
    private int _made;

    [ParamsSource(nameof(BeCounts))]
    public int BeCount { get; set; }

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = BenchRun.Simulated;

    public static IEnumerable<int> BeCounts => BenchRun.OperationBeCounts;

    public static IEnumerable<string> Backends => BenchRun.Backends;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await BenchHost.CreateLoggedAsync(Backend, BeCount);
        _engine = _host.NewEngine();
        try
        {
            await CreateThenDestroy(); // fails here rather than measure refusals
            await OperationPairs.MakeFreshAsync(_engine);
            await ActivateThenBack();
            await ActivateFreshThenBack();
        }
        catch
        {
            await _host.DisposeAsync(); // no [GlobalCleanup] runs after a failed setup
            throw;
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    [Benchmark]
    public Task CreateThenDestroy() => OperationPairs.CreateThenDestroyAsync(_engine, $"bench-{++_made}");

    /// <summary>The second BE (not booted) becomes active on reboot, then the booted one again.</summary>
    [Benchmark]
    public Task ActivateThenBack() => OperationPairs.ActivateThenBackAsync(_engine);

    /// <summary>A BE made from the booted one becomes active on reboot (its promote takes the booted BE's snapshots), then the booted one again.</summary>
    [Benchmark]
    public Task ActivateFreshThenBack() => OperationPairs.ActivateFreshThenBackAsync(_engine);
}

/// <summary>The pairs of operations measured: each leaves the pool as it found it.</summary>
public static class OperationPairs
{
    public static async Task CreateThenDestroyAsync(IEngine engine, string name)
    {
        Must(await engine.RunAsync(new CreateBe(name)));
        Must(await engine.RunAsync(new DestroyBe(name)));
    }

    /// <summary>The second BE (not booted) becomes active on reboot, then the booted one again.</summary>
    public static async Task ActivateThenBackAsync(IEngine engine)
    {
        Must(await engine.RunAsync(new ActivateBe("be2")));
        Must(await engine.RunAsync(new ActivateBe("be1")));
    }

    /// <summary>The BE <see cref="ActivateFreshThenBackAsync"/> activates: made from the booted one, as a new user makes one.</summary>
    public const string Fresh = "fresh";

    public static async Task MakeFreshAsync(IEngine engine) => Must(await engine.RunAsync(new CreateBe(Fresh)));

    /// <summary>
    /// <see cref="Fresh"/> becomes active on reboot, then the booted one again: each promote moves every snapshot
    /// of the booted BE older than the fresh one's origin, and changes the origin of every BE cloned from them.
    /// </summary>
    public static async Task ActivateFreshThenBackAsync(IEngine engine)
    {
        Must(await engine.RunAsync(new ActivateBe(Fresh)));
        Must(await engine.RunAsync(new ActivateBe("be1")));
    }

    private static void Must(OperationResult result)
    {
        if (result.Outcome != Outcome.Succeeded)
            throw new InvalidOperationException($"{result.Action} {result.Target}: {result.Outcome} {result.Error?.Code} {result.Error?.Message}");
    }
}
