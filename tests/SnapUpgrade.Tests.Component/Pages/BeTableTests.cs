using Bunit;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Components.Pages.Overview;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

public sealed class BeTableTests : ComponentTest
{
    [Fact]
    public void BeTable_DescriptionWithScript_RendersAsText()
    {
        const string hostile = "<script>alert('x')</script><b>bold</b>";
        IReadOnlyList<BootEnvironment> bes = [HostStates.Be("evil", description: hostile)];

        var cut = Render<BeTable>(p => p.Add(t => t.BootEnvironments, bes));

        Assert.Contains("&lt;script&gt;", cut.Markup);
        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("[data-testid=be-description] b"));
        Assert.Equal(hostile, cut.Find("[data-testid=be-description]").TextContent);
    }

    [Fact]
    public void BeTable_ZoneBeOfSameName_ShowsTheZone()
    {
        IReadOnlyList<BootEnvironment> bes =
            [HostStates.Be("b1", zoneBes: [HostStates.ZoneBe("web", "b1", "b1", active: true)])];

        var cut = Render<BeTable>(p => p.Add(t => t.BootEnvironments, bes));

        Assert.Equal("web", cut.Find("[data-testid=be-table] tbody .mud-chip").TextContent.Trim());
    }

    [Fact]
    public void BeTable_NoBes_SaysSo()
    {
        var cut = Render<BeTable>(p => p.Add(t => t.BootEnvironments, []));

        Assert.Contains("No boot environments", cut.Markup);
    }
}
