using SnapUpgrade.Web.Components.Pages.Upgrades;
using Xunit;

namespace SnapUpgrade.Tests.Component.Upgrades;

public sealed class OutputLinesTests
{
    [Fact]
    public void Add_PastTheLimit_KeepsTheLastAndCountsTheHidden()
    {
        var lines = new OutputLines(keep: 3);
        for (var i = 0; i < 5; i++) lines.Add(i, $"line {i}");

        Assert.Equal(["line 2", "line 3", "line 4"], lines.Kept.Select(l => l.Text));
        Assert.Equal(2, lines.Hidden);
    }

    [Fact]
    public void Add_FromAFollowThatStartsLate_CountsTheLinesBeforeAsHidden()
    {
        var lines = new OutputLines();
        lines.Add(120, "kept by the run from here");

        Assert.Equal(120, lines.Hidden);
    }
}
