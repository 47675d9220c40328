using System.Net;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Trial boots through the API on the simulated host (its reboot is in process): an operator tries a
/// new BE once and reboots into it; the console's own trial watch runs the configured health command
/// (a real process) and keeps the BE or fails the trial, audited as the system.
/// </summary>
public abstract class TrialTests(SimulatedApiHost host)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected async Task<string> TryANewBeAndRebootAsync(string name)
    {
        using (var created = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes", new { name }))
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var tried = await host.SendAsync("operator", HttpMethod.Post, $"api/v1/bes/{name}/activate", new { temporary = true, reboot = true });
        Assert.Equal(HttpStatusCode.OK, tried.StatusCode);
        return name;
    }

    /// <summary>Reads the BE until <paramref name="done"/> holds (the judge runs in the background), or fails after 60 s.</summary>
    protected async Task<JsonElement> WaitForBeAsync(string name, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var be = await host.GetJsonAsync("admin", $"api/v1/bes/{name}");
            if (done(be)) return be;
            Assert.True(DateTime.UtcNow < deadline, $"the trial of {name} was not decided: {be}");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>
    /// The system's audit row of <paramref name="action"/> on <paramref name="target"/>. The judge appends it
    /// just after the operation ends, and the BE's new state can be read a moment before: so this reads the
    /// log until the row is there, or fails after 60 s; a second row fails at once.
    /// </summary>
    protected async Task<JsonElement> SystemRowAsync(string action, string target)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (rows, _) = await host.AuditAsync($"action={action}&actor=system");
            var matching = rows.Where(r => r.GetProperty("target").GetString() == target).ToList();
            if (matching.Count > 0) return Assert.Single(matching);
            Assert.True(DateTime.UtcNow < deadline, $"no system row '{action}' on {target} in the audit log");
            await Task.Delay(100, Ct);
        }
    }
}

public sealed class PassingTrialTests(PassingTrialTests.Host host) : TrialTests(host), IClassFixture<PassingTrialTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["SnapUpgrade:TrialHealthCommand:0"] = "true",
        };
    }

    [Fact]
    public async Task Trial_BootedAndHealthy_IsKeptByTheSystem()
    {
        var name = await TryANewBeAndRebootAsync("tried-ok");

        var kept = await WaitForBeAsync(name, be => be.GetProperty("isActiveOnReboot").GetBoolean());

        Assert.True(kept.GetProperty("isBooted").GetBoolean());
        Assert.Equal("None", kept.GetProperty("trial").GetString());
        Assert.Equal("succeeded", (await SystemRowAsync("activate", name)).GetProperty("outcome").GetString());
    }
}

public sealed class FailingTrialTests(FailingTrialTests.Host host) : TrialTests(host), IClassFixture<FailingTrialTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["SnapUpgrade:TrialHealthCommand:0"] = "false",
            ["SnapUpgrade:TrialHealthSeconds"] = "1",
        };
    }

    [Fact]
    public async Task Trial_BootedAndUnhealthy_FailsThenTheOperatorGoesBack()
    {
        var name = await TryANewBeAndRebootAsync("tried-bad");

        var failed = await WaitForBeAsync(name, be => be.GetProperty("trial").GetString() == "Failed");

        Assert.False(failed.GetProperty("isActiveOnReboot").GetBoolean());
        var row = await SystemRowAsync("trial-failed", name);
        Assert.Contains("`false` did not pass within 1 s", row.GetProperty("message").GetString());

        using var back = await host.SendAsync("operator", HttpMethod.Post, $"api/v1/bes/{name}/go-back");
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("None", (await host.GetJsonAsync("admin", $"api/v1/bes/{name}")).GetProperty("trial").GetString());
        using var again = await host.SendAsync("operator", HttpMethod.Post, $"api/v1/bes/{name}/go-back");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
