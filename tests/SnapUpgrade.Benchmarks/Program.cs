using BenchmarkDotNet.Running;
using SnapUpgrade.Benchmarks;

// The CI smoke (test.sh: `-- --job dry --filter '*'`) must stay quick, but building a 1000-BE pool
// on zfs-fuse takes minutes. So a dry job on the command line, or SNAPUPGRADE_BENCH_SMOKE=1, limits
// BeCount to 10 (see BenchRun); the real numbers come from a run without --job dry.
if (args.Contains(OperationProfile.Flag)) return await OperationProfile.RunAsync(args);
BenchRun.Configure(args);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
BenchRun.ReportSkips();
return 0;
