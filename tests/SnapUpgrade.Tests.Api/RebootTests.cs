using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// activate with reboot: true, where a reboot command is configured: a real argv (touch a file) that
/// the engine's RebootHost runs after the activation, each audited on its own by AuditedOperations.
/// </summary>
public sealed class RebootTests(RebootTests.Host host) : IClassFixture<RebootTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        /// <summary>The file the reboot command makes: it exists once the command ran.</summary>
        public string Marker => Path.Combine(DataDir, "rebooted");

        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["SnapUpgrade:RebootCommand:0"] = "touch",
            ["SnapUpgrade:RebootCommand:1"] = Marker,
        };
    }

    [Fact]
    public async Task ActivateAndReboot_DryRunThenRun_ShowsTheArgvRunsItOnlyForRealAndAuditsOneRebootRow()
    {
        var ct = TestContext.Current.CancellationToken;

        using (var plan = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes/2026.09/activate?dryRun=true", new { reboot = true }))
        {
            Assert.Equal(HttpStatusCode.OK, plan.StatusCode);
            var planned = await plan.Content.ReadFromJsonAsync<JsonElement>(ct);
            var steps = planned.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(["touch", host.Marker], steps[^1].GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal(steps.Count, steps[^1].GetProperty("index").GetInt32());
            Assert.False(File.Exists(host.Marker));
            Assert.False((await host.GetJsonAsync("admin", "api/v1/bes/2026.09")).GetProperty("isActiveOnReboot").GetBoolean());
        }

        using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes/2026.09/activate", new { reboot = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(File.Exists(host.Marker));
        var result = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Contains(result.GetProperty("report").EnumerateArray(), l => l.GetString()!.Contains($"touch {host.Marker}", StringComparison.Ordinal));
        var (rows, _) = await host.AuditAsync($"actor={ApiHost.TokenName("operator")}&pageSize=4");
        Assert.Equal(["reboot:succeeded:False", "activate:succeeded:False", "reboot:succeeded:True", "activate:succeeded:True"],
            rows.Select(r => $"{r.GetProperty("action").GetString()}:{r.GetProperty("outcome").GetString()}:{r.GetProperty("dryRun").GetBoolean()}"));
        var (reboots, _) = await host.AuditAsync("action=reboot");
        var reboot = Assert.Single(reboots, r => !r.GetProperty("dryRun").GetBoolean());
        Assert.Equal(("2026.09", "operator"), (reboot.GetProperty("target").GetString(), reboot.GetProperty("role").GetString()));
        Assert.True((await host.GetJsonAsync("admin", "api/v1/bes/2026.09")).GetProperty("isActiveOnReboot").GetBoolean());
    }

    [Fact]
    public async Task ActivateAndReboot_AsAuditor_IsForbiddenAtTheActivationAndRunsNothing()
    {
        var (_, before) = await host.AuditAsync("pageSize=1");
        var active = (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("activeOnReboot").GetProperty("name").GetString();

        using var response = await host.SendAsync("auditor", HttpMethod.Post, "api/v1/bes/2026.10/activate", new { reboot = true });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var (rows, after) = await host.AuditAsync("pageSize=1");
        Assert.Equal(before + 1, after);
        Assert.Equal(("activate", "refused"), (rows[0].GetProperty("action").GetString(), rows[0].GetProperty("outcome").GetString()));
        Assert.Equal(active, (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("activeOnReboot").GetProperty("name").GetString());
    }

    [Fact]
    public async Task HostReboot_AsOperator_IsForbidden_OnlyAnAdminRebootsWithoutActivating()
    {
        using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/host/reboot?dryRun=true");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var admin = await host.SendAsync("admin", HttpMethod.Post, "api/v1/host/reboot?dryRun=true");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }
}

/// <summary>activate with reboot: true, where the reboot command fails (/bin/false).</summary>
public sealed class FailingRebootTests(FailingRebootTests.Host host) : IClassFixture<FailingRebootTests.Host>
{
    public sealed class Host : SimulatedApiHost
    {
        protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["SnapUpgrade:RebootCommand:0"] = "false",
        };
    }

    [Fact]
    public async Task ActivateAndReboot_CommandFails_Is500WithTheActivationAndTheBeStaysActivated()
    {
        Assert.False((await host.GetJsonAsync("admin", "api/v1/bes/2026.09")).GetProperty("isActiveOnReboot").GetBoolean());

        using var response = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes/2026.09/activate", new { reboot = true });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("OperationFailed", problem.GetProperty("code").GetString());
        Assert.StartsWith("2026.09 is active on reboot, but the reboot command `false` failed (exit 1)",
            problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("2026.09", problem.GetProperty("result").GetProperty("toBe").GetString());
        Assert.True((await host.GetJsonAsync("admin", "api/v1/bes/2026.09")).GetProperty("isActiveOnReboot").GetBoolean());
        var (rows, _) = await host.AuditAsync($"actor={ApiHost.TokenName("admin")}&pageSize=2");
        Assert.Equal(["reboot:failed", "activate:succeeded"],
            rows.Select(r => $"{r.GetProperty("action").GetString()}:{r.GetProperty("outcome").GetString()}"));
    }
}

/// <summary>activate with reboot: true on the simulated host without a reboot command: the engine boots in process.</summary>
public sealed class InProcessRebootTests(InProcessRebootTests.Host host) : IClassFixture<InProcessRebootTests.Host>
{
    public sealed class Host : SimulatedApiHost;

    [Fact]
    public async Task ActivateAndReboot_SimulatedHost_BootsTheActivatedBeAndAuditsTheReboot()
    {
        Assert.NotEqual("2026.09", (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("booted").GetProperty("name").GetString());

        using var response = await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes/2026.09/activate", new { reboot = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2026.09", (await host.GetJsonAsync("admin", "api/v1/host")).GetProperty("booted").GetProperty("name").GetString());
        var (rows, _) = await host.AuditAsync($"actor={ApiHost.TokenName("operator")}&pageSize=2");
        Assert.Equal(["reboot:2026.09:succeeded", "activate:2026.09:succeeded"],
            rows.Select(r => $"{r.GetProperty("action").GetString()}:{r.GetProperty("target").GetString()}:{r.GetProperty("outcome").GetString()}"));
    }
}
