namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>The console over a fresh simulated demo host (state file in the temp DataDir).</summary>
public class SimulatedApiHost : ApiHost
{
    protected override Task<IReadOnlyDictionary<string, string?>?> PrepareAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>?>(new Dictionary<string, string?>
        {
            ["SnapUpgrade:Backend"] = "simulated",
            ["SnapUpgrade:StateFile"] = Path.Combine(DataDir, "simulator", "host.json"),
        });
}
