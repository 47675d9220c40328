using System.Diagnostics;
using System.Globalization;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// <c>--profile-operations &lt;backend&gt; &lt;beCount&gt; &lt;rounds&gt;</c>: the three pairs of
/// <see cref="OperationBenchmarks"/> run in this process, without BenchmarkDotNet, and each pair's time printed
/// (the median and the spread). For a profiler to attach to (<c>dotnet-trace collect -- dotnet
/// SnapUpgrade.Benchmarks.dll --profile-operations simulated 1000 200</c>); the numbers that count come from
/// the benchmark.
/// </summary>
public static class OperationProfile
{
    public const string Flag = "--profile-operations";

    public static async Task<int> RunAsync(string[] args)
    {
        var at = Array.IndexOf(args, Flag);
        if (at < 0 || args.Length < at + 4)
        {
            Console.Error.WriteLine($"usage: {Flag} <{BenchRun.Simulated}|{BenchRun.ZfsFuse}> <beCount> <rounds>");
            return 2;
        }
        var (backend, beCount, rounds) = (args[at + 1], int.Parse(args[at + 2], CultureInfo.InvariantCulture), int.Parse(args[at + 3], CultureInfo.InvariantCulture));
        await using var host = await BenchHost.CreateLoggedAsync(backend, beCount);
        var engine = host.NewEngine();
        var made = 0;
        Task CreateThenDestroy() => OperationPairs.CreateThenDestroyAsync(engine, $"profile-{++made}");
        Task ActivateThenBack() => OperationPairs.ActivateThenBackAsync(engine);
        Task ActivateFreshThenBack() => OperationPairs.ActivateFreshThenBackAsync(engine);
        await OperationPairs.MakeFreshAsync(engine);
        foreach (var (name, pair) in new (string, Func<Task>)[]
        {
            ("create, then destroy", CreateThenDestroy), ("activate, then back", ActivateThenBack),
            ("activate a BE made from the booted one, then back", ActivateFreshThenBack),
        })
        {
            for (var i = 0; i < Math.Max(3, rounds / 10); i++) await pair(); // warm: JIT, the engine's first listing
            var times = new List<double>();
            var (allocated, gen2) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(2));
            for (var i = 0; i < rounds; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await pair();
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            (allocated, gen2) = (GC.GetTotalAllocatedBytes() - allocated, GC.CollectionCount(2) - gen2);
            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{backend} {beCount} BEs, {name}: median {times[times.Count / 2]:F1} ms, min {times[0]:F1}, 90% {times[times.Count * 9 / 10]:F1} ({rounds} rounds); " +
                $"{allocated / rounds / 1e6:F1} MB allocated a pair, {gen2} full collections"));
        }
        return 0;
    }
}
