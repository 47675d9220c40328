using Microsoft.Playwright;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright's bundled driver (no <c>playwright install</c>).
/// Missing Chromium: the test fails in CI and skips loudly elsewhere (<see cref="Lane"/>).
/// </summary>
public sealed class BrowserSession : IAsyncLifetime
{
    /// <summary>Debian's Chromium; SNAPUPGRADE_CHROMIUM names another build of it.</summary>
    public static string ChromiumPath { get; } =
        Environment.GetEnvironmentVariable("SNAPUPGRADE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    /// <summary>
    /// How long an expectation may wait (Playwright's default is 5 s): generous, a wait only costs time
    /// when it fails, and renders and pushes that take milliseconds take seconds on a loaded 2-core
    /// machine. How fast a change reaches the page is measured in the benchmarks (LiveChangeBenchmarks).
    /// </summary>
    public const float WaitMs = 30_000;

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static bool IsAvailable => File.Exists(ChromiumPath);

    public async ValueTask InitializeAsync()
    {
        if (!IsAvailable) return; // each test says so through Lane.Require
        Assertions.SetDefaultExpectTimeout(WaitMs);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true, Args = Args,
        });
    }

    /// <summary>A fresh browser context and page; the test body runs, and a failure leaves a screenshot.</summary>
    public async Task RunAsync(Uri baseAddress, string testName, Func<IPage, Task> body)
    {
        Lane.Require(IsAvailable, $"Chromium ({ChromiumPath}; apt-get install -y chromium)");
        await using var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        try
        {
            await body(page);
            await Screenshots.SaveForReadmeAsync(page, testName);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.SkipException)
        {
            var path = await Screenshots.SaveFailureAsync(page, testName);
            throw new Xunit.Sdk.XunitException($"{ex.Message}{Environment.NewLine}Screenshot of the failure: {path}", ex);
        }
    }

    /// <summary>Another browser context (its own cookies): a second person watching the same console.</summary>
    public Task<IBrowserContext> NewContextAsync(Uri baseAddress, int width = 1400, int height = 900) =>
        _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true,
        });

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
