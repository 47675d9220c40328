using System.Diagnostics;
using Microsoft.Playwright;

namespace SnapUpgrade.Scale;

/// <summary>
/// Debian's Chromium (SNAPUPGRADE_CHROMIUM names another build), headless, driven by Playwright's bundled
/// driver as the browser lane does; each <see cref="OpenAsync"/> is a person of their own (a context, a login).
/// </summary>
public sealed class ScaleBrowser : IAsyncDisposable
{
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("SNAPUPGRADE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static bool IsAvailable => File.Exists(ChromiumPath);

    /// <summary>How long a page may take for anything: a wait only costs time when it fails.</summary>
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ScaleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<ScaleBrowser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
        return new ScaleBrowser(playwright, browser);
    }

    /// <summary>A new context signed in as admin, then the Boot environments page, timed.</summary>
    public async Task<BePage> OpenAsync(ScaleConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = console.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout((float)WaitLimit.TotalMilliseconds);
        var page = await context.NewPageAsync();
        await page.GotoAsync("login");
        await page.GetByLabel("Name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(console.AdminPassword());
        await page.GetByTestId("login-submit").ClickAsync();
        await page.GetByTestId("user").WaitForAsync();

        var clock = Stopwatch.StartNew();
        await page.GotoAsync("bes", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        try
        {
            await page.Locator("[data-testid^='be-row-']").First.WaitForAsync();
            var firstRows = clock.Elapsed;
            // Create is enabled only once the circuit is interactive: the page has subscribed to the host's changes.
            await page.Locator("[data-testid='be-create']:enabled").WaitForAsync();
            return new BePage(context, page, firstRows, clock.Elapsed);
        }
        catch (TimeoutException e)
        {
            var text = await page.InnerTextAsync("body");
            await context.DisposeAsync();
            throw new TimeoutException($"{e.Message}\nThe page at {page.Url} showed:\n{text[..Math.Min(text.Length, 1500)]}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>One person's Boot environments page and how long it took: to its first row, and until it was interactive.</summary>
public sealed record BePage(IBrowserContext Context, IPage Page, TimeSpan FirstRows, TimeSpan Interactive) : IAsyncDisposable
{
    /// <summary>The BE rows in the page's DOM (paging shows one page of them, not the whole pool).</summary>
    public Task<int> RowsAsync() => Page.Locator("[data-testid^='be-row-']").CountAsync();

    /// <summary>The pager's "1-50 of 1000".</summary>
    public async Task<string> RangeAsync() => (await Page.GetByTestId("be-range").InnerTextAsync()).Trim();

    /// <summary>Waits until the BE's row is visible (pushed by the console: the page is never reloaded).</summary>
    public Task ShowsAsync(string be) => Page.GetByTestId($"be-row-{be}").WaitForAsync();

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
