using System.Text.RegularExpressions;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Browser;

/// <summary>The failure mechanism itself: a browser test that throws leaves a PNG a person can open, and says where.</summary>
public sealed class ScreenshotOnFailureTests(ConsoleServer server, BrowserSession browser)
{
    [Fact]
    public async Task FailingBrowserTest_LeavesAScreenshotFileAndNamesIt()
    {
        Lane.Require(BrowserSession.IsAvailable, $"Chromium ({BrowserSession.ChromiumPath})");

        var failure = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() =>
            browser.RunAsync(server.BaseAddress, "deliberate-failure", async page =>
            {
                await page.GotoAsync("login");
                throw new InvalidOperationException("deliberate");
            }));

        var path = Regex.Match(failure.Message, @"Screenshot of the failure: (\S+\.png)").Groups[1].Value;
        Assert.Contains("deliberate", failure.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(path), $"no screenshot at '{path}'");
        await using (var png = File.OpenRead(path))
        {
            var magic = new byte[4];
            await png.ReadExactlyAsync(magic, TestContext.Current.CancellationToken);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, magic);
        }
        File.Delete(path); // a deliberate failure: not one for a person to look at
    }
}
