using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>The host answer says which layout the pool has, and what told so (the demo host is the console's own).</summary>
public sealed class HostLayoutApiTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    public async Task GetHost_DemoHost_SaysItsLayoutByNameAndKind()
    {
        var answer = await host.GetJsonAsync("auditor", "api/v1/host");

        var layout = answer.GetProperty("layout");
        Assert.Equal(("SnapUpgrade", "SnapUpgrade"), (layout.GetProperty("kind").GetString(), layout.GetProperty("name").GetString()));
        Assert.Empty(layout.GetProperty("ownDatasets").EnumerateArray());
        Assert.Contains(layout.GetProperty("evidence").EnumerateArray(), e => e.GetString()!.EndsWith("boot environment(s) in rpool/ROOT", StringComparison.Ordinal));
    }
}
