using System.Text.RegularExpressions;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>Login, logout and the login's one refusal message, in Chromium.</summary>
public sealed class AccountPagesTests(ConsoleServer server, BrowserSession browser)
{
    [Fact]
    public Task Login_AsAuditor_ShowsNameAndRoleAndTheBes() =>
        browser.RunAsync(server.BaseAddress, "login-auditor", async page =>
        {
            await server.LoginAsync(page, "auditor");

            await Expect(page).ToHaveURLAsync(new Regex("/$"));
            await Expect(page.GetByTestId("user")).ToHaveTextAsync(new Regex(@"auditor \(auditor\)"));
            await Expect(page.Locator("[data-testid=be-name]")).ToHaveCountAsync(3);
        });

    [Theory]
    [InlineData("admin")]
    [InlineData("operator")]
    [InlineData("auditor")]
    public Task Login_EachRole_ShowsItsNameAndRoleOnEveryPage(string name) =>
        browser.RunAsync(server.BaseAddress, $"login-{name}", async page =>
        {
            await server.LoginAsync(page, name);

            foreach (var path in new[] { "", "bes", "audit", "admin" })
            {
                await page.GotoAsync(path);
                await Expect(page.GetByTestId("user")).ToHaveTextAsync(new Regex($@"{name} \({name}\)"));
            }
        });

    [Fact]
    public Task Logout_AfterLogin_EndsTheSessionAndPagesGoToLogin() =>
        browser.RunAsync(server.BaseAddress, "logout", async page =>
        {
            await server.LoginAsync(page, "auditor");

            await page.GetByTestId("logout").ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/login$"));
            await page.GotoAsync("shared");
            await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2Fshared$"));
            await Expect(page.GetByTestId("login-form")).ToBeVisibleAsync();
        });

    [Theory]
    [InlineData("operator", "not-the-password")]
    [InlineData("no-such-user", "whatever-password")]
    public Task Login_WrongPasswordOrUnknownName_ShowsTheSameGenericError(string name, string password) =>
        browser.RunAsync(server.BaseAddress, $"login-refused-{name}", async page =>
        {
            await page.GotoAsync("login");
            await page.GetByLabel("Name").FillAsync(name);
            await page.GetByLabel("Password").FillAsync(password);

            await page.GetByTestId("login-submit").ClickAsync();

            await Expect(page.GetByTestId("login-error")).ToHaveTextAsync("Wrong name or password.");
            await Expect(page).ToHaveURLAsync(new Regex("/login"));
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "snapupgrade");
        });

    [Fact]
    public Task Page_Anonymous_GoesToLoginAndBackAfterSignIn() =>
        browser.RunAsync(server.BaseAddress, "login-return", async page =>
        {
            await page.GotoAsync("zones");
            await Expect(page).ToHaveURLAsync(new Regex("/login\\?ReturnUrl=%2Fzones$"));

            await page.GetByLabel("Name").FillAsync("operator");
            await page.GetByLabel("Password").FillAsync(server.Password("operator"));
            await page.GetByTestId("login-submit").ClickAsync();

            await Expect(page).ToHaveURLAsync(new Regex("/zones$"));
            await Expect(page.Locator("[data-testid=zone-matrix] tbody tr")).ToHaveCountAsync(2);
        });
}
