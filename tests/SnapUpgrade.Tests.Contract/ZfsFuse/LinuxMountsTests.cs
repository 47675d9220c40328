using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

/// <summary><see cref="LinuxMounts"/> on a real zfs-fuse pool, judged by /proc/self/mountinfo.</summary>
public sealed class LinuxMountsTests
{
    [Theory]
    [InlineData(false, "rw,nosuid,nodev")]
    [InlineData(true, "ro,nosuid,nodev")]
    public async Task BindAsync_EitherWay_IsNosuidNodevAndListedAndUnmounts(bool readOnly, string options)
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/mnt/bind");

        await lab.Mounts.BindAsync("/var/shared", "/mnt/bind", readOnly, Ct);

        Assert.StartsWith(options, PerMountOptions(lab.HostRoot + "/mnt/bind"));
        Assert.Contains(new BindMount("/var/shared", "/mnt/bind", readOnly), await lab.Mounts.ListAsync(Ct));
        await lab.Mounts.UnmountAsync("/mnt/bind", Ct);
        Assert.Null(PerMountOptions(lab.HostRoot + "/mnt/bind"));
    }

    [Fact]
    public async Task BindAsync_TargetOrSourceThroughLink_ThrowsUnsafePathAndMountsNothing()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/mnt/real/bind");
        lab.Files.CreateSymlink("/mnt/hop", "real");
        lab.Files.CreateSymlink("/mnt/shared-link", "../var/shared");

        await Assert.ThrowsAsync<UnsafePathException>(() => lab.Mounts.BindAsync("/var/shared", "/mnt/hop/bind", true, Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => lab.Mounts.BindAsync("/mnt/shared-link", "/mnt/real/bind", true, Ct));
        await Assert.ThrowsAsync<UnsafePathException>(() => lab.Mounts.UnmountAsync("/mnt/hop/bind", Ct));

        Assert.Empty(await lab.Mounts.ListAsync(Ct));
        Assert.DoesNotContain(lab.HostRoot + "/mnt", await File.ReadAllTextAsync("/proc/self/mountinfo", Ct));
    }

    [Fact]
    public async Task ListAndUnmount_HostRootConfiguredThroughALink_FindTheBindByItsCanonicalPath()
    {
        await using var lab = await ZfsFuseLab.CreateAsync(Ct);
        await lab.BootAsync();
        lab.Files.CreateDirectory("/mnt/bind");
        var linkedRoot = lab.Directory + "/root-link";
        File.CreateSymbolicLink(linkedRoot, lab.HostRoot);
        var mounts = new LinuxMounts(linkedRoot, ZfsFuseLab.Runner);

        await mounts.BindAsync("/var/shared", "/mnt/bind", readOnly: true, Ct);

        Assert.Equal(["mount", "--no-canonicalize", "--bind", lab.HostRoot + "/var/shared", lab.HostRoot + "/mnt/bind"],
            mounts.DescribeBind("/var/shared", "/mnt/bind", readOnly: true)[0]);
        Assert.Contains(new BindMount("/var/shared", "/mnt/bind", true), await mounts.ListAsync(Ct));
        await mounts.UnmountAsync("/mnt/bind", Ct);
        Assert.Empty(await mounts.ListAsync(Ct));
    }

    /// <summary>Field 6 of the mountinfo line mounted at <paramref name="mountPoint"/>, or null.</summary>
    private static string? PerMountOptions(string mountPoint) =>
        File.ReadAllLines("/proc/self/mountinfo").Select(line => line.Split(' '))
            .LastOrDefault(f => f[4] == mountPoint)?[5];
}
