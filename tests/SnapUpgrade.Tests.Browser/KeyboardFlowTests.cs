using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SnapUpgrade.Core.Audit;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// The main flows with the keyboard alone: log in, reach Create with Tab, create (Enter reviews the
/// plan, Enter again confirms), reach the new row's Activate with Tab, activate (the dialog opens with
/// its plan and the focus on its body: Enter confirms), and leave a half-filled dialog with Escape.
/// No click and no fill: every character goes through the keyboard.
/// </summary>
public sealed class KeyboardFlowTests(KeyboardFlowServer server, BrowserSession browser) : IClassFixture<KeyboardFlowServer>
{
    /// <summary>More stops than the page has: a control that Tab never reaches fails the test.</summary>
    private const int MaxTabs = 150;

    [Fact]
    public Task KeyboardOnly_LoginCreateActivate_Works() =>
        browser.RunAsync(server.BaseAddress, "flow-keyboard", async page =>
        {
            const string name = "keyboard-be";
            await page.GotoAsync("login");
            await page.Keyboard.TypeAsync("admin"); // the name field has autofocus
            await page.Keyboard.PressAsync("Tab");
            await page.Keyboard.TypeAsync(server.Password("admin"));
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByTestId("user")).ToContainTextAsync("admin (");
            // Tab only once the circuit is up (its buttons are enabled), as a person would see the page ready.
            await Expect(page.GetByTestId("refresh")).ToBeEnabledAsync();

            await TabToAsync(page, "nav-bes");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page).ToHaveURLAsync(new Regex("/bes$"));
            await Expect(page.GetByTestId("be-create")).ToBeEnabledAsync();

            await TabToAsync(page, "be-create");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("input[data-testid=dialog-name]")).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync(name);
            await page.Keyboard.PressAsync("Enter"); // review the plan
            await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync();
            await page.Keyboard.PressAsync("Enter"); // confirm
            await Expect(page.GetByTestId($"be-row-{name}")).ToBeVisibleAsync();
            await Expect(page.GetByTestId("dialog-plan")).ToHaveCountAsync(0);

            await TabToAsync(page, $"be-action-activate-{name}");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync(); // planned on opening
            await Expect(page.GetByTestId("dialog-body")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByTestId($"be-flags-{name}")).ToContainTextAsync("R");

            await TabToAsync(page, "be-create");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("input[data-testid=dialog-name]")).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync("abandoned");
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.Locator("input[data-testid=dialog-name]")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("be-row-abandoned")).ToHaveCountAsync(0);

            // The audit trail says where the browser was, though the circuit has no HttpContext.
            var audit = server.Services.GetRequiredService<IAuditLog>();
            var rows = await audit.QueryAsync(new AuditQuery(Target: name), TestContext.Current.CancellationToken);
            var created = Assert.Single(rows.Entries, r => r is { Action: "create", DryRun: false });
            Assert.Matches(@"^console (127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$", created.Source);
        });

    /// <summary>
    /// A link clicked the moment the page is there, before its circuit is up: with prerendering the
    /// address changed and the page never did (the interactive router took the click before it
    /// existed). Pages are not prerendered, so the first links a person can click already work.
    /// </summary>
    [Fact]
    public Task Navigation_LinkClickedAsSoonAsThePageShows_OpensThatPage() =>
        browser.RunAsync(server.BaseAddress, "navigation-early-click", async page =>
        {
            for (var i = 0; i < 3; i++)
            {
                await server.LoginAsync(page);
                await page.GetByTestId("nav-bes").ClickAsync(); // no wait for anything else first

                await Expect(page).ToHaveURLAsync(new Regex("/bes$"));
                await Expect(page.GetByTestId("be-create")).ToBeVisibleAsync();
                await page.Context.ClearCookiesAsync();
            }
        });

    /// <summary>Presses Tab until the element with the test id has the focus.</summary>
    private static async Task TabToAsync(IPage page, string testId)
    {
        for (var i = 0; i < MaxTabs; i++)
        {
            var focused = await page.EvaluateAsync<string?>("() => document.activeElement?.getAttribute('data-testid')");
            if (focused == testId) return;
            await page.Keyboard.PressAsync("Tab");
        }
        var last = await page.EvaluateAsync<string?>("() => document.activeElement?.outerHTML.substring(0, 200)");
        Assert.Fail($"{testId} was not reached with {MaxTabs} presses of Tab; the focus is on {last}.");
    }
}

/// <summary>A simulated console of its own: the keyboard flow creates and activates.</summary>
public sealed class KeyboardFlowServer : ConsoleServer;
