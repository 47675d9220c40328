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

    /// <summary>
    /// Notes in the page, as the DOM changes, when each BE row first appears, when Create is first
    /// enabled and when the document was loaded (<c>Date.now()</c>, the machine's wall clock, as the load run's own). Playwright's waits poll
    /// the page with a backoff that ends at 500 ms, so a time taken when a wait returns is late by up to
    /// half a second; these are the moments themselves. Runs in every document before its own scripts.
    /// </summary>
    private const string Seen = """
        (() => {
          const seen = window.__snapupgradeSeen = {};
          const look = () => {
            const now = Date.now();
            for (const row of document.querySelectorAll("[data-testid^='be-row-']")) {
              const id = row.getAttribute('data-testid');
              if (!(id in seen)) seen[id] = now;
            }
            if (!('interactive' in seen) && document.querySelector("[data-testid='be-create']:enabled")) seen.interactive = now;
          };
          new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled'] });
          // The document and its scripts are in (the server's answer and the assets); what follows is the live connection and its first render.
          document.addEventListener('DOMContentLoaded', () => { seen.loaded = Date.now(); });
        })();
        """;

    /// <summary>A new context signed in as admin, then the Boot environments page, timed from navigation to its first row.</summary>
    public async Task<BePage> OpenAsync(ScaleConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = console.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout((float)WaitLimit.TotalMilliseconds);
        await context.AddInitScriptAsync(Seen);
        var page = await context.NewPageAsync();
        await page.GotoAsync("login");
        await page.GetByLabel("Name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(console.AdminPassword());
        await page.GetByTestId("login-submit").ClickAsync();
        await page.GetByTestId("user").WaitForAsync();

        var opened = DateTimeOffset.UtcNow;
        await page.GotoAsync("bes", new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        try
        {
            await page.Locator("[data-testid^='be-row-']").First.WaitForAsync();
            // Create is enabled only once the circuit is interactive: the page has subscribed to the host's changes.
            await page.Locator("[data-testid='be-create']:enabled").WaitForAsync();
            var seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__snapupgradeSeen");
            var firstRow = seen.Where(s => s.Key.StartsWith("be-row-", StringComparison.Ordinal)).Min(s => s.Value);
            return new BePage(context, page, Since(opened, firstRow), Since(opened, seen["interactive"]), Since(opened, seen["loaded"]));
        }
        catch (TimeoutException e)
        {
            var text = await page.InnerTextAsync("body");
            await context.DisposeAsync();
            throw new TimeoutException($"{e.Message}\nThe page at {page.Url} showed:\n{text[..Math.Min(text.Length, 1500)]}", e);
        }
    }

    /// <summary>From <paramref name="start"/> to a moment the page noted (milliseconds since the epoch).</summary>
    public static TimeSpan Since(DateTimeOffset start, double noted) => TimeSpan.FromMilliseconds(noted - start.ToUnixTimeMilliseconds());

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

/// <summary>
/// One person's Boot environments page and how long it took: to its first row, until it was interactive, and (of
/// those) until its document and scripts were loaded, before the live connection began (<paramref name="Loaded"/>).
/// </summary>
public sealed record BePage(IBrowserContext Context, IPage Page, TimeSpan FirstRows, TimeSpan Interactive, TimeSpan Loaded) : IAsyncDisposable
{
    /// <summary>The BE rows in the page's DOM (paging shows one page of them, not the whole pool).</summary>
    public Task<int> RowsAsync() => Page.Locator("[data-testid^='be-row-']").CountAsync();

    /// <summary>The pager's "1-50 of 1000".</summary>
    public async Task<string> RangeAsync() => (await Page.GetByTestId("be-range").InnerTextAsync()).Trim();

    /// <summary>
    /// Waits until the BE's row is visible (pushed by the console: the page is never reloaded); returns when
    /// the page first had it (milliseconds since the epoch, noted in the page as its DOM changed).
    /// </summary>
    public async Task<double> ShowsAsync(string be)
    {
        await Page.GetByTestId($"be-row-{be}").WaitForAsync();
        return await Page.EvaluateAsync<double>("id => window.__snapupgradeSeen[id]", $"be-row-{be}");
    }

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
