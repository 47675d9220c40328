using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class BindMountTests
{
    [Fact]
    public async Task ReadOnlyBind_EveryKindOfWrite_IsRefusedWithTheHostPath()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/existing", Bytes("e"));
        host.CreateDirectory("/a/var/shared");
        await host.BindAsync("/var/shared", "/a/var/shared", readOnly: true, Ct);

        Assert.Equal("/a/var/shared/new", Assert.Throws<ReadOnlyFileSystemException>(() => host.WriteAllBytes("/a/var/shared/new", [1])).Path);
        Assert.Throws<ReadOnlyFileSystemException>(() => host.AppendAllBytes("/a/var/shared/existing", [1]));
        Assert.Throws<ReadOnlyFileSystemException>(() => host.Delete("/a/var/shared/existing"));
        Assert.Throws<ReadOnlyFileSystemException>(() => host.Rename("/a/var/shared/existing", "/a/var/shared/renamed"));
        await Assert.ThrowsAsync<ReadOnlyFileSystemException>(() => host.CopyTreeAsync(new TreeCopy("/var/mail", "/a/var/shared/mail"), Ct));
        Assert.Equal("e", Text(host.ReadAllBytes("/a/var/shared/existing")));
        Assert.Equal(["existing"], host.List("/var/shared"));
    }

    [Fact]
    public async Task ReadOnlyBind_ReachedThroughRelativeLinkOfAMountedBe_IsRefused()
    {
        var host = await BootedAsync();
        await host.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s"));
        var be2 = await host.CloneBeAsync(Layout.Be("be1") + "@s", "be2");
        await host.RunAsync(new ZfsSet(be2, "mountpoint", "/a"));
        await host.RunAsync(new ZfsMount(be2));
        host.Delete("/a/var/mail/root");
        host.Delete("/a/var/mail");
        host.CreateSymlink("/a/var/mail", "shared/mail");
        host.CreateDirectory("/var/shared/mail");
        await host.BindAsync("/var/shared", "/a/var/shared", readOnly: true, Ct);

        // A package tool writing into the alternate BE's /var/mail must not touch the live mail.
        Assert.Throws<ReadOnlyFileSystemException>(() => host.AsProcess().WriteAllBytes("/a/var/mail/spam", [1]));
        Assert.Equal(FileKind.Missing, host.GetKind("/var/shared/mail/spam"));
    }

    [Fact]
    public async Task Bind_TargetMissing_ThrowsAndMountsNothing()
    {
        var host = await BootedAsync();

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => host.BindAsync("/var/shared", "/nowhere", readOnly: true, Ct));

        Assert.Empty(await host.ListAsync(Ct));
    }

    [Fact]
    public async Task Bind_SourceDatasetRemountedElsewhere_StillShowsThatDataset()
    {
        var host = await BootedAsync();
        host.WriteAllBytes("/var/shared/f", Bytes("shared"));
        host.CreateDirectory("/mnt/b");
        await host.BindAsync("/var/shared", "/mnt/b", readOnly: false, Ct);

        await host.RunAsync(new ZfsSet(Layout.SharedDataset, "mountpoint", "/srv/shared"));

        Assert.Equal("shared", Text(host.ReadAllBytes("/mnt/b/f")));
        Assert.Equal("shared", Text(host.ReadAllBytes("/srv/shared/f")));
        Assert.Equal(FileKind.Missing, host.GetKind("/var/shared/f"));
    }

    [Fact]
    public async Task DestroyDataset_WhileBound_IsBusy()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/mnt/b");
        await host.BindAsync("/var/shared", "/mnt/b", readOnly: true, Ct);

        var error = await Assert.ThrowsAsync<ZfsCommandException>(() => host.RunAsync(new ZfsDestroy(Layout.SharedDataset)));

        Assert.True(error.IsBusy, error.StandardError);
        Assert.NotNull(await host.FindAsync(Layout.SharedDataset));
    }

    [Fact]
    public async Task UnmountBind_WithMountBelowIt_IsBusy()
    {
        var host = await BootedAsync();
        host.CreateDirectory("/var/shared/sub");
        host.CreateDirectory("/mnt/b");
        await host.BindAsync("/var/shared", "/mnt/b", readOnly: false, Ct);
        host.CreateDirectory("/tmp/inner");
        await host.BindAsync("/tmp/inner", "/mnt/b/sub", readOnly: false, Ct);

        await Assert.ThrowsAnyAsync<IOException>(() => host.UnmountAsync("/mnt/b", Ct));

        await host.UnmountAsync("/mnt/b/sub", Ct);
        await host.UnmountAsync("/mnt/b", Ct);
        Assert.Empty(await host.ListAsync(Ct));
    }
}
