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
