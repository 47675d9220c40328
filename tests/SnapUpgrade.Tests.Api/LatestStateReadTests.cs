using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Web.Api;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 13, point 2: the API's reads are served from the watcher's latest state, never a listing of
/// their own per request; counted at the simulated host's port (<see cref="SimulatedZfs.Listings"/>).
/// A change made through the console is in the next read all the same, and costs no listing either.
/// </summary>
public sealed class LatestStateReadTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    private static readonly string[] Reads = ["api/v1/host", "api/v1/bes", "api/v1/zones", "api/v1/bes/2026.10", "api/v1/bes/2026.10/snapshots"];

    [Fact]
    public async Task ManyConcurrentReads_ShareAtMostOneListing_AndSayWhenTheStateWasRead()
    {
        var zfs = host.Services.GetRequiredService<SimulatedZfs>();
        await host.GetJsonAsync("auditor", "api/v1/host"); // the state is fresh now
        var before = zfs.Listings;

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => host.SendAsync("auditor", HttpMethod.Get, Reads[i % Reads.Length])));

        var listings = zfs.Listings - before;
        foreach (var answer in answers)
            using (answer)
            {
                Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{answer.RequestMessage?.RequestUri}: {(int)answer.StatusCode} " +
                    $"{await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}\nthe console's last errors:\n{host.Logs.LastErrors()}");
                Assert.True(answer.Headers.TryGetValues(HostReads.ReadAtHeader, out var readAt), $"{answer.RequestMessage?.RequestUri}: no {HostReads.ReadAtHeader}");
                Assert.True(DateTimeOffset.TryParse(readAt.Single(), out _), readAt.Single());
            }
        // 100 reads: at most a listing per watch interval (1 s) they spanned, never one each.
        Assert.True(listings <= 10, $"{listings} listings for 100 reads");
    }

    [Fact]
    public async Task NobodyWatching_TheConsoleIdles_NoListingAtAll()
    {
        var zfs = host.Services.GetRequiredService<SimulatedZfs>();
        await host.GetJsonAsync("auditor", "api/v1/host");
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken); // a read under way ends
        var before = zfs.Listings;

        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken); // four watch intervals

        Assert.Equal(before, zfs.Listings);
    }

    [Fact]
    public async Task ACreateAndTheReadAfterIt_ShowTheNewBeWithoutListingThePool()
    {
        var zfs = host.Services.GetRequiredService<SimulatedZfs>();
        await host.GetJsonAsync("auditor", "api/v1/host");
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken); // a read under way ends
        var before = zfs.Listings;

        using (var created = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes", new { name = "fresh-read" }))
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        var bes = await host.GetJsonAsync("auditor", "api/v1/bes");

        Assert.Contains(bes.EnumerateArray(), b => b.GetProperty("name").GetString() == "fresh-read");
        var be = await host.GetJsonAsync("auditor", "api/v1/bes/fresh-read");
        Assert.Equal(JsonValueKind.Object, be.ValueKind);
        // The create read what it touched; the watcher and the reads after it use what the engine knows (ADR 0022).
        Assert.Equal(before, zfs.Listings);
    }

    /// <summary>
    /// Each audited action moves the audit's anchor on the pool's root after the operation (a <c>zfs set</c> the
    /// console makes itself): the next operation's read of the root must not take that for a change behind the
    /// console's back. It did until session 22: every operation after the first listed the whole pool (7.4 s a
    /// create at 1000 BEs on zfs-fuse).
    /// </summary>
    [Fact]
    public async Task OperationsInARow_EachAnchoredOnThePool_NoneListsThePool()
    {
        var zfs = host.Services.GetRequiredService<SimulatedZfs>();
        var anchor = host.Services.GetRequiredService<AuditAnchorWriter>();
        await host.GetJsonAsync("auditor", "api/v1/host");
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken); // a read under way ends
        var before = zfs.Listings;
        var logged = host.Logs.Events.Count;

        foreach (var (method, path, body) in new (string, string, object?)[]
        {
            ("POST", "api/v1/bes", new { name = "row-1" }),
            ("POST", "api/v1/bes/row-1/snapshots", new { snapshot = "first" }),
            ("POST", "api/v1/bes", new { name = "row-2", source = "row-1" }),
            ("POST", "api/v1/bes/row-2/rename", new { newName = "row-3" }),
            ("DELETE", "api/v1/bes/row-3", null),
        })
        {
            using var answer = await host.SendAsync("admin", new HttpMethod(method), path, body);
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)answer.StatusCode} " +
                $"{await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            await anchor.FlushAsync(); // the anchor is on the pool before the next operation reads it
        }

        Assert.Equal(before, zfs.Listings);
        Assert.DoesNotContain(host.Logs.Events.Skip(logged), e => e.Contains("behind the console's back", StringComparison.Ordinal));
    }
}
