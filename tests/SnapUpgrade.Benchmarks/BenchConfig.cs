using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace SnapUpgrade.Benchmarks;

/// <summary>
/// Few iterations, for real numbers on a 2-core machine where one zfs-fuse read at 1000 BEs takes
/// close to a second. The job is a *default* job: a job named on the command line (the CI smoke's
/// <c>--job dry</c>) replaces it instead of running next to it, as a [SimpleJob] attribute would.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(8).AsDefault());
        AddDiagnoser(MemoryDiagnoser.Default);
        // BenchmarkDotNet builds a project per job and gives up after 2 minutes; on a busy 2-core
        // machine that build alone was seen to take longer.
        WithBuildTimeout(TimeSpan.FromMinutes(10));
    }
}
