using Microsoft.Playwright;
using Xunit;

namespace SnapUpgrade.Tests.Browser;

/// <summary>PNG files a person can open: failures under the test output's screenshots/, and, when
/// SNAPUPGRADE_SCREENSHOTS names a directory, every passing page for the README.</summary>
public static class Screenshots
{
    public static async Task<string> SaveFailureAsync(IPage page, string testName)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        var path = Path.Combine(directory, $"{testName}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png");
        try
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }
        catch (PlaywrightException ex)
        {
            return $"(none: {ex.Message})";
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"Screenshot of the failure: {path}");
        Console.Error.WriteLine($"Screenshot of the failure: {path}");
        return path;
    }

    public static async Task SaveForReadmeAsync(IPage page, string testName)
    {
        var directory = Environment.GetEnvironmentVariable("SNAPUPGRADE_SCREENSHOTS");
        if (string.IsNullOrEmpty(directory)) return;
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{testName}.png"), FullPage = true });
    }
}
