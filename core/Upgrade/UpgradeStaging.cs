using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Upgrade;

/// <summary>Where an upgrade's staging lives (ADR 0026): the names every part of it agrees on.</summary>
public static class UpgradeStaging
{
    /// <summary>The shared dataset's snapshot at staging time: the overlays' lower layer, and what the apply compares with.</summary>
    public static string BaseSnapshot(Layout layout, string be) => $"{layout.SharedDataset}@upgrade-{be}";

    /// <summary>The read-only clone of <see cref="BaseSnapshot"/> the overlays stack on (zfs-fuse cannot mount a snapshot).</summary>
    public static string BaseClone(Layout layout, string be) => $"{layout.Pool}/snapupgrade-base-{be}";

    /// <summary>Inside the new BE: where each shared directory's staged writes are kept, <c>&lt;this&gt;/&lt;dir&gt;</c>.</summary>
    public const string StagedDirectory = "/var/.snapupgrade/staged";

    /// <summary>In the private staging tmpfs: a shared directory's upper and work directories.</summary>
    public static string Upper(string tmpfs, string dir) => $"{tmpfs}/{dir}/upper";

    public static string Work(string tmpfs, string dir) => $"{tmpfs}/{dir}/work";
}
