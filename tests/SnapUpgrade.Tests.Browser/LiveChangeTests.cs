using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Support;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// The console's promise "changes appear without reload in every open browser", for the two sources
/// the flow tests do not cover: the HTTP API and `zfs` run by hand on the host (and, through the API, a
/// description holding a script, shown as text). The page is opened first and never reloaded; each
/// change is made behind its back. How soon it appears (the README's "within 2 seconds") is measured
/// by LiveChangeBenchmarks, not asserted here: a timed assertion fails on a loaded machine, not on a slow console.
/// </summary>
internal static class LiveChange
{
    /// <summary>Opens /bes signed in and waits until the circuit is interactive (Create is enabled
    /// only then), i.e. the page has subscribed to the host watcher.</summary>
    public static async Task OpenBesAsync(ConsoleServer server, IPage page)
    {
        await server.LoginAsync(page);
        await page.GotoAsync("bes");
        await Expect(page.GetByTestId("be-table")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("be-create")).ToBeEnabledAsync();
    }

    /// <summary>Makes sure the page never reloaded: a marker set on the window survives only without a reload.</summary>
    public static Task MarkAsync(IPage page) => page.EvaluateAsync("() => { window.__liveChangeMarker = 'not reloaded'; }");

    public static async Task AssertNotReloadedAsync(IPage page) =>
        Assert.Equal("not reloaded", await page.EvaluateAsync<string?>("() => window.__liveChangeMarker ?? null"));
}

/// <summary>A simulated console of its own: the API changes here must not show up in other tests' hosts.</summary>
public sealed class LiveChangeServer : ConsoleServer;

/// <summary>Changes made through the HTTP API (a bearer token, as a script would) reach an open page.</summary>
public sealed class LiveChangeApiTests(LiveChangeServer server, BrowserSession browser) : IClassFixture<LiveChangeServer>
{
    [Fact]
    public Task CreateThenActivateThroughApi_Simulated_OpenPageShowsBothWithoutReload() =>
        browser.RunAsync(server.BaseAddress, "live-change-api", async page =>
        {
            const string name = "api-live";
            await LiveChange.OpenBesAsync(server, page);
            await LiveChange.MarkAsync(page);
            await Expect(page.GetByTestId($"be-row-{name}")).ToHaveCountAsync(0);

            await PostAsync("api/v1/bes", new { name, description = "made through the API" });
            await Expect(page.GetByTestId($"be-row-{name}")).ToBeVisibleAsync();
            await Expect(page.GetByTestId($"be-row-{name}").GetByTestId("be-description")).ToHaveTextAsync("made through the API");
            await Expect(page.GetByTestId($"be-flags-{name}")).Not.ToContainTextAsync("R");

            await PostAsync($"api/v1/bes/{name}/activate", new { });
            await Expect(page.GetByTestId($"be-flags-{name}")).ToContainTextAsync("R");

            await LiveChange.AssertNotReloadedAsync(page);
        });

    [Fact]
    public Task ScriptInDescriptionThroughApi_Simulated_ShowsAsLiteralTextAndRunsNothing() =>
        browser.RunAsync(server.BaseAddress, "live-change-api-script", async page =>
        {
            const string name = "api-script";
            const string description = "<script>alert(1)</script>";
            var dialogs = new List<string>();
            page.Dialog += (_, dialog) =>
            {
                dialogs.Add($"{dialog.Type}: {dialog.Message}");
                _ = dialog.DismissAsync(); // a dialog left open would block the page
            };
            await LiveChange.OpenBesAsync(server, page);
            await LiveChange.MarkAsync(page);

            await PostAsync("api/v1/bes", new { name, description });
            var row = page.GetByTestId($"be-row-{name}");
            await Expect(row).ToBeVisibleAsync();
            await AssertLiteralAsync(row, description);
            await LiveChange.AssertNotReloadedAsync(page);

            // The same on a fresh load: the prerendered page, then the interactive one.
            await page.GotoAsync("bes");
            await Expect(page.GetByTestId("be-create")).ToBeEnabledAsync();
            await AssertLiteralAsync(page.GetByTestId($"be-row-{name}"), description);

            Assert.Empty(dialogs);
        });

    private static async Task AssertLiteralAsync(ILocator row, string description)
    {
        var cell = row.GetByTestId("be-description");
        Assert.Equal(description, await cell.EvaluateAsync<string>("e => e.textContent"));
        await Expect(row.Locator("script")).ToHaveCountAsync(0);
        Assert.Equal(0, await cell.EvaluateAsync<int>("e => e.children.length"));
    }

    private async Task PostAsync(string path, object body)
    {
        var ct = TestContext.Current.CancellationToken;
        var tokens = server.Services.GetRequiredService<ITokens>();
        var (secret, _) = await tokens.CreateAsync($"live-{Guid.NewGuid():N}", Role.Operator, null, "test", ct);
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", secret);
        using var response = await client.SendAsync(request, ct);
        Assert.True(response.IsSuccessStatusCode,
            $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }
}

/// <summary>
/// `zfs` run by hand on the host, behind the console's back, on this class's own zfs-fuse lab pool
/// (a fixture instance of its own: no other test class sees these changes). Argv only, never a shell.
/// </summary>
public sealed class ZfsFuseLiveChangeTests(ZfsFuseConsoleServer server, BrowserSession browser) : IClassFixture<ZfsFuseConsoleServer>
{
    private static readonly ProcessRunner Runner = new(TimeSpan.FromSeconds(60));

    [Fact]
    public async Task CloneByHand_ZfsFuse_OpenPageShowsTheNewBeAndItsDestroyWithoutReload()
    {
        Lane.RequireZfsFuse();
        Assert.True(server.Started, "the console did not start on the zfs-fuse pool");
        var state = await server.Engine.GetStateAsync(TestContext.Current.CancellationToken);
        var layout = new Layout(state.Pool);
        var booted = Assert.Single(state.BootEnvironments, b => b.IsBooted);
        const string name = "by-hand";
        var snapshot = $"{booted.Dataset}@manual";
        var clone = layout.Be(name);

        await browser.RunAsync(server.BaseAddress, "live-change-zfs-clone", async page =>
        {
            await LiveChange.OpenBesAsync(server, page);
            await LiveChange.MarkAsync(page);
            await Expect(page.GetByTestId($"be-row-{name}")).ToHaveCountAsync(0);
            try
            {
                // What an admin types (TESTING.md: clone with canmount=noauto only, then mountpoint=/).
                await ZfsAsync(state.Pool, ["snapshot", snapshot]);
                await ZfsAsync(state.Pool, ["clone", "-o", "canmount=noauto", snapshot, clone]);
                await ZfsAsync(state.Pool, ["set", "mountpoint=/", clone]);
                await Expect(page.GetByTestId($"be-row-{name}")).ToBeVisibleAsync();
                await Expect(page.GetByTestId($"be-flags-{name}")).Not.ToContainTextAsync("N");
            }
            finally
            {
                await ZfsAsync(state.Pool, ["destroy", clone], allowMissing: true);
                await ZfsAsync(state.Pool, ["destroy", snapshot], allowMissing: true);
            }
            await Expect(page.GetByTestId($"be-row-{name}")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId($"be-row-{booted.Name}")).ToBeVisibleAsync();
            await LiveChange.AssertNotReloadedAsync(page);
        });
    }

    [Fact]
    public async Task SetDescriptionByHand_ZfsFuse_OpenPageShowsItAndItsRemovalWithoutReload()
    {
        Lane.RequireZfsFuse();
        Assert.True(server.Started, "the console did not start on the zfs-fuse pool");
        var state = await server.Engine.GetStateAsync(TestContext.Current.CancellationToken);
        var booted = Assert.Single(state.BootEnvironments, b => b.IsBooted);
        const string text = "edited by hand on the host <b>not bold</b>";

        await browser.RunAsync(server.BaseAddress, "live-change-zfs-description", async page =>
        {
            await LiveChange.OpenBesAsync(server, page);
            await LiveChange.MarkAsync(page);
            var cell = page.GetByTestId($"be-row-{booted.Name}").GetByTestId("be-description");
            await Expect(cell).ToHaveTextAsync(booted.Description ?? "");
            try
            {
                await ZfsAsync(state.Pool, ["set", $"{UserProperties.Description}={text}", booted.Dataset]);
                await Expect(cell).ToHaveTextAsync(text);
                Assert.Equal(text, await cell.EvaluateAsync<string>("e => e.textContent"));
            }
            finally
            {
                await ZfsAsync(state.Pool, ["inherit", UserProperties.Description, booted.Dataset]);
            }
            await Expect(cell).ToHaveTextAsync(booted.Description ?? "");
            await LiveChange.AssertNotReloadedAsync(page);
        });
    }

    /// <summary>`zfs args...`, argv only, on this lab's pool only (a dataset of it is always named).</summary>
    private static async Task ZfsAsync(string pool, IReadOnlyList<string> args, bool allowMissing = false)
    {
        Assert.Contains(args, a => a.StartsWith(pool + "/", StringComparison.Ordinal));
        var result = await Runner.RunAsync(["zfs", .. args], ct: TestContext.Current.CancellationToken);
        if (allowMissing && result.StandardError.Contains("does not exist", StringComparison.Ordinal)) return;
        Assert.True(result.Succeeded, $"zfs {string.Join(' ', args)} failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
    }
}
