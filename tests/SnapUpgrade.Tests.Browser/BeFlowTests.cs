using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Support;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>The flows that change the host, on a simulated console of their own.</summary>
public sealed class BeFlowTests(FlowServer server, BrowserSession browser) : IClassFixture<FlowServer>
{
    [Fact]
    public Task CreateThenActivate_Simulated_SecondBrowserSeesTheFlagsChange() =>
        browser.RunAsync(server.BaseAddress, "flow-create-activate-simulated", page =>
            BeFlows.CreateThenActivateAsync(server, browser, page, "browser-sim"));

    [Fact]
    public Task Destroy_BootedBe_IsDisabledAndSaysWhy() =>
        browser.RunAsync(server.BaseAddress, "flow-destroy-refused", async page =>
        {
            var state = await server.Engine.GetStateAsync(TestContext.Current.CancellationToken);
            var booted = Assert.Single(state.BootEnvironments, b => b.IsBooted).Name;
            await server.LoginAsync(page);

            await page.GotoAsync("bes");

            var destroy = page.GetByTestId($"be-action-destroy-{booted}");
            await Expect(destroy).ToBeDisabledAsync();
            await Expect(destroy).ToHaveAttributeAsync("title", new Regex("boot", RegexOptions.IgnoreCase));
        });

    [Fact]
    public Task Auditor_AfterAnActivation_SeesTheAuditRowCannotActAndExportsCsv() =>
        browser.RunAsync(server.BaseAddress, "flow-auditor", async page =>
        {
            const string name = "audited-be";
            await ActivateThroughTheApiPathAsync(name);
            await server.LoginAsync(page, "auditor");

            await page.GotoAsync("bes");
            await Expect(page.GetByTestId($"be-row-{name}")).ToBeVisibleAsync();
            foreach (var verb in new[] { "activate", "destroy", "rename" })
            {
                var action = page.GetByTestId($"be-action-{verb}-{name}");
                await Expect(action).ToBeDisabledAsync();
                await Expect(action).ToHaveAttributeAsync("title", new Regex("auditor|role|admin|operator", RegexOptions.IgnoreCase));
            }
            await Expect(page.GetByTestId("be-create")).ToBeDisabledAsync();

            await page.GotoAsync("audit");
            var row = page.Locator("[data-testid=audit-table] tbody tr")
                .Filter(new() { Has = page.GetByTestId("audit-action").GetByText("activate", new() { Exact = true }) })
                .Filter(new() { Has = page.GetByTestId("audit-target").GetByText(name) });
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row.GetByTestId("audit-outcome")).ToHaveTextAsync("succeeded");

            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("audit-export").ClickAsync());
            var lines = await File.ReadAllLinesAsync(await download.PathAsync(), TestContext.Current.CancellationToken);
            Assert.Equal(AuditCsv.Header, lines[0]);
            Assert.Contains(lines, l => l.Contains(",activate,", StringComparison.Ordinal) && l.Contains(name, StringComparison.Ordinal)
                && l.Contains(",succeeded,", StringComparison.Ordinal));
            Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        });

    /// <summary>Create and activate as an operator through the same audited path the API takes.</summary>
    private async Task ActivateThroughTheApiPathAsync(string name)
    {
        var operations = server.Services.GetRequiredService<AuditedOperations>();
        var actor = new Actor("operator", Role.Operator, "127.0.0.1");
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await operations.RunAsync(actor, new CreateBe(name, null, null), ct: ct)).Succeeded);
        Assert.True((await operations.RunAsync(actor, new ActivateBe(name), ct: ct)).Succeeded);
    }
}

/// <summary>The same create-then-activate flow on a real ZFS (a zfs-fuse lab pool).</summary>
public sealed class ZfsFuseFlowTests(ZfsFuseConsoleServer server, BrowserSession browser) : IClassFixture<ZfsFuseConsoleServer>
{
    [Fact]
    public async Task CreateThenActivate_ZfsFuse_SecondBrowserSeesTheFlagsChange()
    {
        Lane.RequireZfsFuse();
        Assert.True(server.Started, "the console did not start on the zfs-fuse pool");
        await browser.RunAsync(server.BaseAddress, "flow-create-activate-zfsfuse", page =>
            BeFlows.CreateThenActivateAsync(server, browser, page, "browser-zfs"));
    }
}
