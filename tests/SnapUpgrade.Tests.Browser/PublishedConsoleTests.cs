using System.Net;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// Issue 12: a published console started from a folder other than its own (a service unit without
/// WorkingDirectory) served an empty <c>_framework/blazor.web.js</c> and every page stayed at
/// "Starting the console...". Pages are not prerendered, so the pool on the Overview proves the script ran.
/// </summary>
public sealed class PublishedConsoleTests(PublishedConsole published, BrowserSession browser) : IClassFixture<PublishedConsole>
{
    [Theory]
    [InlineData("/")]
    [InlineData("its own folder")]
    public async Task PublishedConsole_StartedFromAnyFolder_ServesTheScriptAndTheOverviewShowsThePool(string from)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var console = await published.StartAsync(from == "/" ? "/" : published.AppDir);
        using var client = console.CreateClient();

        using var script = await client.GetAsync("_framework/blazor.web.js", ct);
        var body = await script.Content.ReadAsStringAsync(ct);

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True(body.Length > 10_000 && body.Contains("Blazor", StringComparison.Ordinal),
            $"blazor.web.js has {body.Length} characters\n{console.Output}");
        await browser.RunAsync(console.BaseAddress, $"published-from-{(from == "/" ? "root" : "app")}", async page =>
        {
            await ConsoleServer.LoginAsync(page, console.DataDir, "admin");
            await page.GotoAsync("");
            await Expect(page.GetByTestId("pool")).ToHaveTextAsync("rpool");
        });
    }
}
