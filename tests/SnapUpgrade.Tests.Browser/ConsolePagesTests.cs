using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

public sealed class ConsolePagesTests(ConsoleServer server, BrowserSession browser)
{
    [Fact]
    public Task OverviewPage_DemoHost_ShowsThreeBesAndTheBootedOnesNFlag() =>
        browser.RunAsync(server.BaseAddress, "overview", async page =>
        {
            var state = await server.Engine.GetStateAsync(TestContext.Current.CancellationToken);
            var booted = Assert.Single(state.BootEnvironments, b => b.IsBooted);
            await server.LoginAsync(page);
            var outside = new List<string>();
            page.Request += (_, request) =>
            {
                if (!request.Url.StartsWith(server.BaseAddress.ToString(), StringComparison.Ordinal)
                    && !request.Url.StartsWith("data:", StringComparison.Ordinal))
                    outside.Add(request.Url);
            };

            await page.GotoAsync("");

            var names = page.Locator("[data-testid=be-name]");
            await Expect(names).ToHaveCountAsync(3);
            Assert.Equal(state.BootEnvironments.Select(b => b.Name), await names.AllTextContentsAsync());
            var bootedRow = page.Locator("[data-testid=be-table] tbody tr").Filter(new()
            {
                Has = page.GetByTestId("be-name").GetByText(booted.Name, new() { Exact = true }),
            });
            await Expect(bootedRow.Locator("[data-testid=be-flags]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^N"));
            await Expect(page.Locator("[data-testid=be-flags]").Filter(new() { HasTextRegex = new("N") })).ToHaveCountAsync(1);
            await Expect(page.Locator("[data-testid=backend]")).ToHaveTextAsync("simulated");
            Assert.Empty(outside);
        });

    [Fact]
    public Task SharedPage_OperatorChecksNow_ShowsNotMigratedInTheHealthMatrix() =>
        browser.RunAsync(server.BaseAddress, "shared", async page =>
        {
            await server.LoginAsync(page, "operator");
            await page.GotoAsync("");
            await Expect(page.Locator("[data-testid=be-name]")).ToHaveCountAsync(3);

            await page.GetByRole(AriaRole.Link, new() { Name = "Shared" }).ClickAsync();

            // The page read nothing it had to mount: the booted BE is read now, the others wait for a check.
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/shared$"));
            var matrix = page.Locator("[data-testid=health-matrix]");
            await Expect(matrix.Locator("[data-testid=dir-state]").Filter(new() { HasText = "ok" }).First).ToBeVisibleAsync();
            await Expect(matrix.Locator("[data-testid=read-at]").Filter(new() { HasText = "read now (mounted)" }).First).ToBeVisibleAsync();

            // Check now: the plan first (opening the dialog plans it), then the run, then the new report.
            await page.GetByTestId("shared-check").ClickAsync();
            await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync();
            await page.GetByTestId("dialog-confirm").ClickAsync();
            await Expect(page.GetByTestId("dialog-plan")).ToHaveCountAsync(0);
            await Expect(matrix.Locator("[data-testid=dir-state]").Filter(new() { HasText = "not migrated" }).First)
                .ToBeVisibleAsync();
            await Expect(matrix.Locator("[data-testid=read-at]").Filter(new() { HasText = "not checked yet" })).ToHaveCountAsync(0);
        });

    [Fact]
    public Task ZonesPage_DemoHost_ShowsTwoZones() =>
        browser.RunAsync(server.BaseAddress, "zones", async page =>
        {
            var state = await server.Engine.GetStateAsync(TestContext.Current.CancellationToken);
            await server.LoginAsync(page, "auditor");

            await page.GotoAsync("zones");

            await Expect(page.Locator("[data-testid=zone-matrix] tbody tr")).ToHaveCountAsync(state.Zones.Count);
            Assert.Equal(2, state.Zones.Count);
        });
}
