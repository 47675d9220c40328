using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>The create-then-activate flow, the same on every backend: one browser acts, a second one
/// (its own context and cookies) only watches, and must see the change without a reload.</summary>
public static class BeFlows
{
    public static async Task CreateThenActivateAsync(ConsoleServer server, BrowserSession browser, IPage page, string name)
    {
        await using var watcherContext = await browser.NewContextAsync(server.BaseAddress);
        var watcher = await watcherContext.NewPageAsync();
        await server.LoginAsync(watcher);
        await watcher.GotoAsync("bes");
        await Expect(watcher.GetByTestId("be-table")).ToBeVisibleAsync();
        await server.LoginAsync(page);
        await page.GotoAsync("bes");

        await page.GetByTestId("be-create").ClickAsync();
        // The name field takes the focus once the dialog has rendered (AutoFocus); on a busy machine that came after
        // the description was being filled, and the description's text went into the name (CI, session 25).
        await Expect(page.Locator("input[data-testid=dialog-name]")).ToBeFocusedAsync();
        await page.GetByTestId("dialog-name").FillAsync(name);
        await page.GetByTestId("dialog-description").FillAsync("made by the browser test <script>alert(1)</script>");
        await page.GetByTestId("dialog-review").ClickAsync();
        await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync();
        await page.GetByTestId("dialog-confirm").ClickAsync();

        await Expect(page.GetByTestId($"be-row-{name}")).ToBeVisibleAsync();
        await Expect(watcher.GetByTestId($"be-row-{name}")).ToBeVisibleAsync();
        await Expect(watcher.GetByTestId($"be-flags-{name}")).Not.ToContainTextAsync("R");

        await page.GetByTestId($"be-action-activate-{name}").ClickAsync();
        await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync();
        await page.GetByTestId("dialog-confirm").ClickAsync();

        await Expect(page.GetByTestId($"be-flags-{name}")).ToContainTextAsync("R");
        // The watcher never reloads: the change is pushed to its circuit.
        await Expect(watcher.GetByTestId($"be-flags-{name}")).ToContainTextAsync("R");
    }
}
