using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>activate with reboot: true, where a reboot command is configured (here /bin/true and /bin/false).</summary>
public sealed class RebootCommandTests(RebootCommandTests.Host host) : IClassFixture<RebootCommandTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["SnapUpgrade:RebootCommand:0"] = "true",
            ["SnapUpgrade:RebootCommand:1"] = "--ignored-argument",
        };
    }

    [Fact]
    public async Task ActivateAndReboot_CommandConfigured_ActivatesRunsItAndAuditsBoth()
    {
        using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes/2026.09/activate", new { reboot = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains(result.GetProperty("report").EnumerateArray(), l => l.GetString()!.Contains("true --ignored-argument", StringComparison.Ordinal));
        var (rows, _) = await host.AuditAsync($"actor={ApiHost.TokenName("operator")}&pageSize=2");
        Assert.Equal(["reboot:succeeded", "activate:succeeded"], rows.Select(r => $"{r.GetProperty("action").GetString()}:{r.GetProperty("outcome").GetString()}"));
        Assert.True((await host.GetJsonAsync("admin", "api/v1/bes/2026.09")).GetProperty("isActiveOnReboot").GetBoolean());
    }

    [Fact]
    public async Task ActivateAndReboot_DryRun_DoesNotRunTheCommand()
    {
        var (_, before) = await host.AuditAsync($"action=reboot");

        using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes/2026.11/activate?dryRun=true", new { reboot = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (_, after) = await host.AuditAsync($"action=reboot");
        Assert.Equal(before, after);
    }
}
