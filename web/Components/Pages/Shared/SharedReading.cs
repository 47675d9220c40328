using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Web.Components.Common;
using SnapUpgrade.Web.Components.Pages.BootEnvironments;

namespace SnapUpgrade.Web.Components.Pages.Shared;

/// <summary>
/// How old what the console knows about one BE's shared directories is, in words. Reading shared
/// health never mounts anything: a mounted BE is read now, an unmounted one shows what the last
/// check (an operator's audited action) found, or that none was made.
/// </summary>
public static class SharedReading
{
    /// <param name="Utc">The time of the reading, in UTC, for a tooltip; null when there is none to give.</param>
    public sealed record When(string Text, string? Utc);

    public static When Of(BeSharedHealth entry, HostState state, DateTimeOffset now) =>
        IsMounted(entry, state)
            ? new("read now (mounted)", entry.CheckedAt is { } read ? Format.Time(read) : null)
            : entry.CheckedAt is { } checkedAt
                ? new("checked " + BeTime.Relative(checkedAt, now), Format.Time(checkedAt))
                : new(entry.Error is null ? "not checked yet" : "not read", null);

    /// <summary>The BE or zone BE is mounted now (booted, or at an alternate root): the engine reads it where it is
    /// (the same targets the engine reads, <see cref="SharedReader.Targets"/>).</summary>
    public static bool IsMounted(BeSharedHealth entry, HostState state) =>
        SharedReader.Targets(state).Any(t => t.Dataset == entry.Dataset && t.MountedAt is not null);

    /// <summary>One entry's directories in a few words: "ok", "4 not migrated", "2 ok, 1 missing, 1 wrong".</summary>
    public static string Summary(BeSharedHealth entry)
    {
        if (entry.Error is not null) return "could not inspect";
        if (entry.NotChecked) return "not checked";
        var counts = entry.Directories.GroupBy(d => d.State).OrderBy(g => g.Key)
            .Select(g => (State: g.Key, Count: g.Count())).ToList();
        return counts.Count switch
        {
            0 => "-",
            1 when counts[0].State is SharedDirState.Ok or SharedDirState.OwnDataset => SharedDirChip.Text(counts[0].State),
            _ => string.Join(", ", counts.Select(c => $"{c.Count} {SharedDirChip.Text(c.State)}")),
        };
    }

    /// <summary>Of a report read and one a check just made, the later: a page keeps showing a check's result
    /// until the engine hands out a newer reading.</summary>
    public static SharedHealthReport Newer(SharedHealthReport read, SharedHealthReport? checkedReport) =>
        checkedReport is not null && checkedReport.ReadAt > read.ReadAt ? checkedReport : read;
}
