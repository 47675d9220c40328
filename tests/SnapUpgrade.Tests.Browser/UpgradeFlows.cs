using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>An upgrade ordered from the Upgrades page as an admin orders it: the plan reviewed, then started.</summary>
public static partial class UpgradeFlows
{
    /// <summary>Opens Upgrades from the menu, upgrades the booted BE (the form's default source) into
    /// <paramref name="name"/>, and waits until the page is at the run's address.</summary>
    public static async Task StartAsync(IPage page, string name, string? description = null)
    {
        await page.GetByTestId("nav-upgrades").ClickAsync();
        await page.GetByTestId("upgrade-name").FillAsync(name);
        if (description is not null) await page.GetByTestId("upgrade-description").FillAsync(description);
        await page.GetByTestId("upgrade-review").ClickAsync();
        await Expect(page.GetByTestId("upgrade-plan")).ToBeVisibleAsync();
        await page.GetByTestId("upgrade-start").ClickAsync();
        await Expect(page).ToHaveURLAsync(RunAddress());
    }

    [GeneratedRegex("/upgrades/[^/]+$")]
    public static partial Regex RunAddress();
}
