using System.Text.RegularExpressions;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>The audit and admin pages in Chromium, on the shared demo console (they add rows, not BEs).</summary>
public sealed class AdminPagesTests(ConsoleServer server, BrowserSession browser)
{
    [Fact]
    public Task AdminPage_Operator_IsForbidden() =>
        browser.RunAsync(server.BaseAddress, "admin-forbidden", async page =>
        {
            await server.LoginAsync(page, "operator");

            await page.GotoAsync("admin");

            await Expect(page.GetByTestId("admin-forbidden")).ToContainTextAsync("signed in as operator");
            await Expect(page.GetByTestId("users-panel")).ToHaveCountAsync(0);
        });

    [Fact]
    public Task CreateToken_Admin_ShowsTheSecretOnceThenAuditsIt() =>
        browser.RunAsync(server.BaseAddress, "admin-token", async page =>
        {
            await server.LoginAsync(page);
            await page.GotoAsync("admin");

            await page.GetByTestId("token-new-name").FillAsync("browser-ci");
            await page.GetByTestId("token-create").ClickAsync();

            await Expect(page.GetByTestId("token-secret")).ToHaveTextAsync(new Regex(@"\S{16,}"));
            await Expect(page.GetByTestId("token-secret-warning")).ToContainTextAsync("only this once");
            await page.GetByTestId("token-secret-close").ClickAsync();
            await Expect(page.GetByTestId("token-secret")).ToHaveCountAsync(0);
            await Expect(page.GetByTestId("token-browser-ci")).ToBeVisibleAsync();

            await page.GotoAsync("audit");
            await page.GetByTestId("filter-action").FillAsync("token-create");
            await Expect(page.GetByTestId("audit-target").GetByText("browser-ci")).ToBeVisibleAsync();
        });

    [Fact]
    public Task AuditPage_VerifyChain_SaysIntact() =>
        browser.RunAsync(server.BaseAddress, "audit-verify", async page =>
        {
            await server.LoginAsync(page, "auditor");
            await page.GotoAsync("audit");

            await page.GetByTestId("audit-verify").ClickAsync();

            await Expect(page.GetByTestId("audit-verify-result")).ToContainTextAsync("intact");
        });
}
