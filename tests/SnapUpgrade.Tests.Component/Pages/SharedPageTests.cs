using Bunit;
using SnapUpgrade.Web.Components.Pages.Shared;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class SharedPageTests : ComponentTest
{
    [Fact]
    public void SharedPage_NotMigratedBe_ShowsEachDirectoryState()
    {
        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("[data-testid=health-matrix] tbody tr").Count));
        var rows = cut.FindAll("[data-testid=health-matrix] tbody tr");
        Assert.Equal(["ok", "ok", "ok", "ok"], rows[0].QuerySelectorAll("[data-testid=dir-state]").Select(e => e.TextContent.Trim()));
        Assert.Empty(rows[1].QuerySelectorAll("[data-testid=dir-state]"));
        Assert.Contains("Not mounted: a check looks inside.", rows[1].TextContent);
        Assert.Equal(Enumerable.Repeat("not migrated", 4), rows[2].QuerySelectorAll("[data-testid=dir-state]").Select(e => e.TextContent.Trim()));
        Assert.Contains("Could not inspect: not mounted", rows[3].TextContent);
        Assert.Contains("rpool/VARSHARED", cut.Find("[data-testid=shared-datasets]").TextContent);
    }

    [Fact]
    public void SharedPage_EngineThrows_ShowsError()
    {
        Engine.Failure = new TimeoutException("engine busy");

        var cut = Render<SharedPage>();

        cut.WaitForAssertion(() => Assert.Contains("engine busy", cut.Find("[data-testid=load-error]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=health-matrix]"));
    }
}
