using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Scenarios.Lab;

/// <summary>Which backend a scenario class runs on: every scenario runs on both.</summary>
public interface IBackend
{
    static abstract Task<ITestHost> CreateHostAsync();
}

public sealed class Simulated : IBackend
{
    public static async Task<ITestHost> CreateHostAsync() => await SimulatedLab.CreateAsync();
}

public sealed class ZfsFuse : IBackend
{
    public static async Task<ITestHost> CreateHostAsync()
    {
        Lane.RequireZfsFuse();
        return await ZfsFuseLab.CreateAsync();
    }
}
