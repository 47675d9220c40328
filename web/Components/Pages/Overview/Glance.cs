using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Pages.Overview;

/// <summary>
/// What the Overview shows of a host with many BEs (issue 13: 1000 rows on the home page): the BEs that
/// matter now (booted, active, next boot, mounted, on trial) and then the newest, up to <see cref="Rows"/>;
/// the space chart the largest. The Boot environments page pages through all of them.
/// </summary>
public static class Glance
{
    public const int Rows = 10;

    public static IReadOnlyList<BootEnvironment> Bes(IReadOnlyList<BootEnvironment> all)
    {
        if (all.Count <= Rows) return all;
        var flagged = all.Where(b => b.IsBooted || b.IsActiveOnReboot || b.IsNextBoot || b.IsMounted || b.Trial != TrialState.None).ToList();
        return [.. flagged.Concat(all.OrderByDescending(b => b.Created)).Distinct().Take(Math.Max(Rows, flagged.Count))
            .OrderByDescending(b => b.Created).ThenBy(b => b.Name, NaturalOrder.Instance)];
    }

    public static IReadOnlyList<BootEnvironment> Largest(IReadOnlyList<BootEnvironment> all) =>
        all.Count <= Rows ? all : [.. all.OrderByDescending(b => b.Used).ThenBy(b => b.Name, NaturalOrder.Instance).Take(Rows)];
}
