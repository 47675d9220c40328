using Bunit;
using SnapUpgrade.Web.Components.Pages.Zones;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class ZonesPageTests : ComponentTest
{
    [Fact]
    public void ZonesPage_ZoneWithOrphan_ShowsActiveAndOrphanedCells()
    {
        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=zone-matrix] tbody tr")));
        var cells = cut.FindAll("[data-testid=zone-matrix] tbody tr td");
        // Zone, then one cell per global BE (be-2026-01, be-2026-02, be-test), then Orphaned.
        Assert.Equal(5, cells.Count);
        Assert.Equal("be-2026-01 (active)", cells[1].TextContent.Trim());
        Assert.Equal("be-2026-02", cells[2].TextContent.Trim());
        Assert.Equal("", cells[3].TextContent.Trim());
        Assert.Equal("old", cells[4].TextContent.Trim());
    }

    [Fact]
    public void ZonesPage_NoZones_SaysSo()
    {
        Engine.State = HostStates.With(HostStates.Be("only", booted: true));

        var cut = Render<ZonesPage>();

        cut.WaitForAssertion(() => Assert.Contains("no zones", cut.Find("[data-testid=no-zones]").TextContent));
    }
}
