using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Support;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// The main pages of the demo host render with their data at 1280x800, saved as PNG: into the test
/// output's screenshots/pages/ on every run, and into the README's docs/screenshots/ with
/// SNAPUPGRADE_README_SCREENSHOTS=1. A finished upgrade adds a BE, so its picture is taken on a console of
/// its own (<paramref name="flow"/>): the assembly's shared one stays as seeded.
/// </summary>
public sealed class ReadmeScreenshotTests(ConsoleServer server, BrowserSession browser, FlowServer flow) : IClassFixture<FlowServer>
{
    public static bool Enabled => Environment.GetEnvironmentVariable("SNAPUPGRADE_README_SCREENSHOTS") == "1";

    private static string ScreenshotDirectory => Enabled
        ? Path.Combine(RepoRoot.Find(), "docs", "screenshots")
        : Path.Combine(AppContext.BaseDirectory, "screenshots", "pages");

    [Fact]
    public async Task ReadmeScreenshots_MainPages_AreSavedAsPng()
    {
        Lane.Require(BrowserSession.IsAvailable, $"Chromium ({BrowserSession.ChromiumPath})");
        var directory = ScreenshotDirectory;
        Directory.CreateDirectory(directory);
        await using var context = await browser.NewContextAsync(server.BaseAddress, 1280, 800);
        var page = await context.NewPageAsync();
        await server.LoginAsync(page);
        await AuditSomethingAsync();

        (string Path, string File, string Ready)[] pages =
        [
            ("", "overview", "[data-testid=be-name]"),
            ("bes", "boot-environments", "[data-testid=be-table]"),
            ("zones", "zones", "[data-testid=zone-matrix]"),
            ("shared", "shared", "[data-testid=health-matrix]"),
            ("audit", "audit", "[data-testid=audit-table] tbody tr"),
            ("admin", "admin", "[data-testid=users-table] tbody tr"),
        ];
        foreach (var (path, file, ready) in pages)
        {
            await page.GotoAsync(path);
            await Expect(page.Locator(ready).First).ToBeVisibleAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var png = Path.Combine(directory, $"{file}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = png });
            Assert.True(new FileInfo(png).Length > 10_000, $"{png} is suspiciously small");
        }

        // A dialog after "Review plan": the exact commands before anything runs. Cancelled: the host stays as seeded.
        await page.GotoAsync("bes");
        await page.GetByTestId("be-create").ClickAsync();
        await page.Locator("input[data-testid=dialog-name]").FillAsync("2026.12");
        await page.Locator("input[data-testid=dialog-description]").FillAsync("December update");
        await page.GetByTestId("dialog-review").ClickAsync();
        await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("dialog-confirm")).ToBeEnabledAsync();
        var dialogPng = Path.Combine(directory, "create-dialog.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = dialogPng, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(dialogPng).Length > 10_000, $"{dialogPng} is suspiciously small");
        await page.GetByTestId("dialog-cancel").ClickAsync();
        await Expect(page.GetByTestId("dialog-plan")).ToHaveCountAsync(0);

        // At 1280 px beside the drawer, the BE table shows every row's last action without scrolling.
        await page.GotoAsync("bes");
        var last = page.Locator("[data-testid^=be-action-snapshots-]");
        await Expect(last.First).ToBeVisibleAsync();
        foreach (var button in await last.AllAsync())
        {
            var box = await button.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X + box.Width <= 1280, $"an action ends at {box.X + box.Width} px, beyond the 1280 px window");
        }
        var overflow = await page.EvaluateAsync<bool>(
            "() => [...document.querySelectorAll('.mud-table-container')].some(c => c.scrollWidth > c.clientWidth + 1)");
        Assert.False(overflow, "a table on the Boot environments page scrolls sideways at 1280 px");
    }

    [Fact]
    public async Task ReadmeScreenshot_FinishedUpgrade_IsSavedAsPng()
    {
        Lane.Require(BrowserSession.IsAvailable, $"Chromium ({BrowserSession.ChromiumPath})");
        Directory.CreateDirectory(ScreenshotDirectory);
        await using var context = await browser.NewContextAsync(flow.BaseAddress, 1280, 800);
        var page = await context.NewPageAsync();
        await flow.LoginAsync(page);

        await UpgradeFlows.StartAsync(page, "2026.12", "December update");

        await Expect(page.GetByTestId("upgrade-state")).ToHaveTextAsync("Staged");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // The run under the app bar: its output, its result and what it staged, rather than the empty form.
        await page.GetByTestId("upgrade-run").EvaluateAsync("run => window.scrollTo(0, run.getBoundingClientRect().top + window.scrollY - 64)");
        var png = Path.Combine(ScreenshotDirectory, "upgrades.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = png, Animations = ScreenshotAnimations.Disabled });
        Assert.True(new FileInfo(png).Length > 10_000, $"{png} is suspiciously small");
    }

    /// <summary>Rows for the audit page's picture that leave the demo host as it is: a dry run and a refusal.</summary>
    private async Task AuditSomethingAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var state = await server.Engine.GetStateAsync(ct);
        var booted = state.BootEnvironments.Single(b => b.IsBooted).Name;
        var other = state.BootEnvironments.First(b => !b.IsBooted).Name;
        var operations = server.Services.GetRequiredService<AuditedOperations>();
        await operations.RunAsync(new Actor("operator", Role.Operator, "127.0.0.1"), new ActivateBe(other), dryRun: true, ct);
        await operations.RunAsync(new Actor("operator", Role.Operator, "127.0.0.1"), new DestroyBe(booted), dryRun: false, ct);
        await operations.RunAsync(new Actor("auditor", Role.Auditor, "127.0.0.1"), new ActivateBe(other), dryRun: false, ct);
    }
}
