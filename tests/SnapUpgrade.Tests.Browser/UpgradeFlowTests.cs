using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>Issue 14 from the browser: an upgrade on the simulated host, on a console of its own (it adds a BE).</summary>
public sealed class UpgradeFlowTests(FlowServer server, BrowserSession browser) : IClassFixture<FlowServer>
{
    /// <summary>True at the moment two output lines are on screen while the run still shows its progress.</summary>
    private const string TwoLinesWhileRunning = """
        () => document.querySelectorAll('[data-testid=upgrade-line]').length >= 2
              && document.querySelector('[data-testid=upgrade-progress]') !== null
        """;

    [Fact]
    public Task Upgrade_BootedBeOnTheSimulator_StreamsItsOutputStagesAndActivates() =>
        browser.RunAsync(server.BaseAddress, "flow-upgrade-simulated", async page =>
        {
            const string name = "upgraded";
            await server.LoginAsync(page);

            await UpgradeFlows.StartAsync(page, name);

            // Streamed: lines are there before the end, not all at once after it.
            await page.WaitForFunctionAsync(TwoLinesWhileRunning, null, new PageWaitForFunctionOptions { Timeout = BrowserSession.WaitMs });
            await Expect(page.GetByTestId("upgrade-state")).ToHaveTextAsync("Staged");
            await Expect(page.GetByTestId("upgrade-progress")).ToHaveCountAsync(0);
            // The BE's var/log is a link into /var/shared/log: what dpkg wrote there waits in the BE for its first boot.
            await Expect(page.GetByTestId("upgrade-staged")).ToContainTextAsync("/var/shared/log/dpkg.log");

            // The run's address shows the same run after a reload: its output from the start and its result.
            var lines = await page.GetByTestId("upgrade-line").CountAsync();
            await page.ReloadAsync();
            await Expect(page.GetByTestId("upgrade-state")).ToHaveTextAsync("Staged");
            await Expect(page.GetByTestId("upgrade-line")).ToHaveCountAsync(lines);

            await page.GetByTestId("upgrade-activate-be").ClickAsync();
            await Expect(page.GetByTestId("dialog-plan")).ToBeVisibleAsync();
            await page.GetByTestId("dialog-confirm").ClickAsync();
            await Expect(page.GetByTestId("dialog-confirm")).ToHaveCountAsync(0);

            await page.GetByTestId("nav-bes").ClickAsync();
            await Expect(page.GetByTestId($"be-flags-{name}")).ToContainTextAsync("R");
        });
}
