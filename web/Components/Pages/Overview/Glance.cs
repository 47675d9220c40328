using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Pages.Overview;

/// <summary>
/// What the Overview shows of a host with many BEs (issue 13: 1000 rows on the home page): the BEs that
/// matter now (booted, active, next boot, mounted, on trial) and then the newest, up to <see cref="Rows"/>;
/// the space chart the largest; of the shared directories, the entries that need a look first. The Boot
/// environments and Shared pages page through all of them.
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

    /// <summary>
    /// The shared-directory entries the Overview names one by one, up to <see cref="Rows"/> (all of them when there
    /// are no more): those that need a look first (unreadable, or a directory missing, wrong or not migrated),
    /// then the BEs the Overview's table shows, in the report's order within each. At 10,000 BEs a row each was
    /// 36,000 components and 90 MiB per page (issue 13).
    /// </summary>
    public static IReadOnlyList<BeSharedHealth> SharedEntries(SharedHealthReport report, IReadOnlyList<BootEnvironment> all)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Entries.Count <= Rows) return report.Entries;
        var shown = Bes(all).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        return [.. report.Entries.Where(NeedsALook).Concat(report.Entries.Where(e => shown.Contains(e.Be))).Distinct().Take(Rows)];
    }

    /// <summary>Unreadable, or a directory that is missing, wrong or not migrated.</summary>
    public static bool NeedsALook(BeSharedHealth entry) =>
        entry.Error is not null || entry.Directories.Any(d => d.State is SharedDirState.Missing or SharedDirState.Wrong or SharedDirState.NotMigrated);
}
