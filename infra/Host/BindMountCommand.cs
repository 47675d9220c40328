using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// The argv of bind mounts, shown in plans by both adapters (as <see cref="RsyncCommand"/> is for
/// copies), so a dry run reads the same on the simulator and on a real host. A bind takes no
/// options in one step: <c>mount --bind</c>, then a remount of the target that adds
/// <c>nosuid,nodev</c> always and <c>ro</c> on request. <c>--no-canonicalize</c>: mount(8) must
/// not follow links in what it is given (<see cref="LinuxMounts"/> hands it fd paths it checked).
/// </summary>
public static class BindMountCommand
{
    public static IReadOnlyList<string> Bind(string source, string target) =>
        ["mount", "--no-canonicalize", "--bind", source, target];

    public static IReadOnlyList<string> Remount(string target, bool readOnly) =>
        ["mount", "--no-canonicalize", "-o", readOnly ? "remount,bind,ro,nosuid,nodev" : "remount,bind,nosuid,nodev", target];

    public static IReadOnlyList<string> Unmount(string target) => ["umount", "--no-canonicalize", target];
}

/// <summary>
/// The argv of an upgrade's staging mounts (ADR 0026), shown in plans by both adapters. The overlay asks
/// for no redirects, no metadata-only copy-up, no index and no xino, so its upper tree holds whole files,
/// whiteouts and opaque marks only (what the apply reads).
/// </summary>
public static class StagingMountCommand
{
    public const string OverlayOptions = "nosuid,nodev,redirect_dir=off,metacopy=off,index=off,xino=off";

    public static IReadOnlyList<string> Tmpfs(string target, int sizeMiB) =>
        ["mount", "--no-canonicalize", "-t", "tmpfs", "-o", $"size={sizeMiB}m,mode=0700,nosuid,nodev,noexec", "tmpfs", target];

    public static IReadOnlyList<string> Proc(string target) =>
        ["mount", "--no-canonicalize", "-t", "proc", "-o", "nosuid,nodev,noexec", "proc", target];

    public static IReadOnlyList<string> Sys(string target) =>
        ["mount", "--no-canonicalize", "-t", "sysfs", "-o", "ro,nosuid,nodev,noexec", "sysfs", target];

    /// <summary>A private /dev's tmpfs: devices work on it (no nodev), nothing runs from it.</summary>
    public static IReadOnlyList<string> DevTmpfs(string target) =>
        ["mount", "--no-canonicalize", "-t", "tmpfs", "-o", "size=1m,mode=0755,nosuid,noexec", "tmpfs", target];

    public static IReadOnlyList<string> Pts(string target) =>
        ["mount", "--no-canonicalize", "-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620,nosuid,noexec", "devpts", target];

    /// <summary>Every command of a private /dev in <paramref name="dev"/>: its tmpfs, then its nodes, links and pts directory.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Dev(string target, string dev) =>
    [
        DevTmpfs(target),
        .. IStagingMounts.DevNodes.Select(n => (IReadOnlyList<string>)["mknod", "-m", "0666", $"{dev}/{n.Name}", "c", $"{n.Major}", $"{n.Minor}"]),
        .. IStagingMounts.DevLinks.Select(l => (IReadOnlyList<string>)["ln", "-s", l.Target, $"{dev}/{l.Name}"]),
        ["mkdir", "-m", "0755", $"{dev}/pts"],
    ];

    public static IReadOnlyList<string> Overlay(string lower, string upper, string work, string target)
    {
        foreach (var dir in new[] { lower, upper, work })
            if (dir.IndexOfAny([',', ':', '\\']) >= 0)
                throw new ArgumentException($"An overlay layer's path may not hold ',', ':' or '\\': {dir}", nameof(lower));
        return ["mount", "--no-canonicalize", "-t", "overlay", "-o", $"lowerdir={lower},upperdir={upper},workdir={work},{OverlayOptions}", "overlay", target];
    }
}
