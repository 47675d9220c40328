using SnapUpgrade.Core.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task ParallelWritesAndSnapshots_FromManyThreads_NoneIsLost()
    {
        var host = await BootedAsync();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                host.WriteAllBytes($"/var/shared/w{worker}-{i}", Bytes($"{worker}:{i}"));
                await host.RunAsync(new ZfsSnapshot($"{Layout.SharedDataset}@w{worker}-{i}"));
                _ = await host.ListAsync(Pool, Ct);
            }
        }, Ct)));

        Assert.Equal(200, host.List("/var/shared").Count);
        Assert.Equal(200, (await host.ListAsync(Pool, Ct)).Datasets.Count(d => d.IsSnapshot));
        Assert.Equal("7:24", Text(host.ReadAllBytes("/var/shared/w7-24")));
    }
}
