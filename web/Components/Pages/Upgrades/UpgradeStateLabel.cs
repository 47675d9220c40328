using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Web.Components.Pages.Upgrades;

/// <summary>A run's state as the page words it.</summary>
public static class UpgradeStateLabel
{
    public static string Of(UpgradeState state) => state == UpgradeState.NotStarted ? "Not started" : state.ToString();
}
