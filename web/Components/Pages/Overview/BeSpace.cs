using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Pages.Overview;

/// <summary>
/// A BE's space as the Overview chart splits it. <see cref="Unique"/> plus <see cref="Snapshots"/> is
/// ZFS's <c>used</c> (what destroying the BE frees); <see cref="Shared"/> is the rest of what it
/// <c>references</c>, blocks other datasets hold too.
/// </summary>
public readonly record struct BeSpace(long Unique, long Snapshots, long Shared)
{
    public static BeSpace Of(BootEnvironment be)
    {
        var unique = Math.Max(0, be.Used - be.SnapshotsUsed);
        return new BeSpace(unique, be.SnapshotsUsed, Math.Max(0, be.Referenced - unique));
    }
}
