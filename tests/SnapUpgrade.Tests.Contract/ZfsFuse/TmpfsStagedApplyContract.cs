using System.Security.Cryptography;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary>
/// The staged-apply contract on <see cref="LocalFiles"/>: a host root on a tmpfs of its own (xattrs,
/// trusted.* included, and mknod for whiteouts), with /var/shared a second tmpfs mounted in it, so
/// the copy crosses file systems as it crosses datasets on a real host. Both are unmounted and the
/// directory removed at the end.
/// </summary>
public sealed class TmpfsStagedApplyContract : StagedApplyOverlayContract
{
    protected override Task<StagingHost> CreateHostAsync() => TmpfsHost.CreateAsync();
}

internal static class TmpfsHost
{
    public static async Task<StagingHost> CreateAsync()
    {
        Lane.Require(Environment.IsPrivilegedProcess, "root (mount, mknod, chown, trusted.* xattrs)");
        var directory = Path.Combine(ZfsFuseLab.BaseDirectory, "staged-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        var root = Path.Combine(directory, "root");
        Directory.CreateDirectory(root);
        await LocalRoot.RunAsync("mount", "-t", "tmpfs", "-o", "mode=0755,size=256m", "snapupgrade-test", root);
        Directory.CreateDirectory(root + "/var/shared");
        await LocalRoot.RunAsync("mount", "-t", "tmpfs", "-o", "mode=0755,size=256m", "snapupgrade-test", root + "/var/shared");
        return new StagingHost(new LocalFiles(root), new LocalProcessFiles(root), async () =>
        {
            await LocalRoot.RunAsync("umount", root + "/var/shared");
            await LocalRoot.RunAsync("umount", root);
            Directory.Delete(directory, recursive: true);
        }, root);
    }
}
