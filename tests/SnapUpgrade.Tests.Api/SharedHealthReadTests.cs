using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// On a fresh simulated demo host, watched at the port: every change the simulator makes (a mount, a
/// property set, an unmount) raises <see cref="SimulatedZfs.Changed"/>. Reading shared health raises
/// none; only the check does.
/// </summary>
public sealed class SharedHealthReadTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    private Task<(T Result, int Changes)> CountChangesAsync<T>(Func<Task<T>> act) => SimulatorChanges.CountAsync(host, act);

    [Fact]
    public async Task GetShared_FreshDemoHost_ChangesNothingAndReportsUnmountedBesAsNotChecked()
    {
        var host1 = await host.GetJsonAsync("admin", "api/v1/host");
        var unmounted = host1.GetProperty("bootEnvironments").EnumerateArray()
            .Where(b => b.GetProperty("mountedAt").ValueKind == JsonValueKind.Null)
            .Select(b => b.GetProperty("name").GetString()!).ToList();
        Assert.NotEmpty(unmounted);

        var (views, changes) = await CountChangesAsync(async () => await Task.WhenAll(
            host.GetJsonAsync("auditor", "api/v1/shared"), host.GetJsonAsync("operator", "api/v1/shared"), host.GetJsonAsync("admin", "api/v1/shared")));

        Assert.Equal(0, changes);
        foreach (var be in unmounted)
        {
            var entry = views[0].GetProperty("health").GetProperty("entries").EnumerateArray()
                .Single(e => e.GetProperty("be").GetString() == be && e.GetProperty("zone").ValueKind == JsonValueKind.Null);
            Assert.True(entry.GetProperty("notChecked").GetBoolean(), entry.ToString());
        }
    }

    [Fact]
    public async Task CheckDryRun_Operator_PlansAndChangesNothing()
    {
        var (response, changes) = await CountChangesAsync(() => host.SendAsync("operator", HttpMethod.Post, "api/v1/shared/check?dryRun=true"));

        using (response)
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, changes);
        var (rows, _) = await host.AuditAsync("action=shared-check&pageSize=1");
        Assert.True(rows[0].GetProperty("dryRun").GetBoolean());
    }
}

/// <summary>A host of its own: after a check, the BEs are no longer "not checked" for the tests above.</summary>
public sealed class SharedHealthCheckPortTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    private Task<(T Result, int Changes)> CountChangesAsync<T>(Func<Task<T>> act) => SimulatorChanges.CountAsync(host, act);

    [Fact]
    public async Task Check_Operator_MountsThroughThePortAndPutsEverythingBack()
    {
        var before = await host.GetJsonAsync("admin", "api/v1/bes");

        var (response, changes) = await CountChangesAsync(() => host.SendAsync("operator", HttpMethod.Post, "api/v1/shared/check"));

        using (response)
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(changes > 0, "the check mounted nothing: the port watch would not see a read that mounted either");
        var after = await host.GetJsonAsync("admin", "api/v1/bes");
        Assert.Equal(Mounts(before), Mounts(after));
    }

    private static string Mounts(JsonElement bes) => string.Join(", ", bes.EnumerateArray()
        .Select(b => $"{b.GetProperty("name").GetString()}={b.GetProperty("mountedAt")}={b.GetProperty("mountPoint")}"));
}

internal static class SimulatorChanges
{
    /// <summary>
    /// Runs <paramref name="act"/> and counts the simulator's changes meanwhile, but for the audit
    /// chain's anchor on the pool (every audit row moves it, a dry run's too: one <c>zfs set</c> a write).
    /// </summary>
    public static async Task<(T Result, int Changes)> CountAsync<T>(ApiHost host, Func<Task<T>> act)
    {
        var zfs = host.Services.GetRequiredService<SimulatedZfs>();
        var anchor = host.Services.GetRequiredService<AuditAnchorWriter>();
        await anchor.FlushAsync();
        var anchorsBefore = anchor.Writes;
        var changes = 0;
        void OnChanged(object? sender, EventArgs e) => Interlocked.Increment(ref changes);
        zfs.Changed += OnChanged;
        try
        {
            var result = await act();
            await anchor.FlushAsync();
            return (result, Volatile.Read(ref changes) - (int)(anchor.Writes - anchorsBefore));
        }
        finally
        {
            zfs.Changed -= OnChanged;
        }
    }
}
