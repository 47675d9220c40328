using System.Security.Cryptography;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Support;
using Xunit;

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

    [Fact]
    public async Task Apply_AddedAndReplacedFiles_KeepTheirModificationTimes()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/conf", "v1");
        Staged(host, "log/conf", "v2");
        Staged(host, "log/new", "n");
        var stamp = new DateTime(2020, 2, 29, 12, 0, 0, DateTimeKind.Utc);
        foreach (var name in new[] { "conf", "new" })
            File.SetLastWriteTimeUtc(host.LocalRoot + $"{Upper}/log/{name}", stamp);

        var report = await ApplyAsync(host);

        Assert.Equal(AppliedOutcome.Replaced, report.Changes[0].Outcome);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(host.LocalRoot + $"{Live}/log/conf"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(host.LocalRoot + $"{Live}/log/new"));
    }
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
