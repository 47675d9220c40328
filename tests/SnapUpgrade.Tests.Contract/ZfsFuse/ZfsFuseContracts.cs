using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Contract.ZfsFuse;

// The contract suites against a real zfs-fuse pool, one fresh pool per test (creating one costs
// about as much as a single listing here, so no shared fixture is needed to keep them fast).

public sealed class ZfsFuseZfsContract : ZfsContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await ZfsFuseLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class ZfsFuseMountsContract : MountsContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await ZfsFuseLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class ZfsFuseStagingMountsContract : StagingMountsContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await ZfsFuseLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class ZfsFuseFilesContract : FilesContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await ZfsFuseLab.CreateAsync(TestHostExtensions.Ct);
}

/// <summary>
/// The staged-apply rules on zfs-fuse: whiteouts made with mknod on FUSE, no xattrs, and no
/// RENAME_EXCHANGE (a replacement is a rename over the live file: ADR 0025).
/// </summary>
public sealed class ZfsFuseStagedApplyContract : StagedApplyContract
{
    protected override async Task<StagingHost> CreateHostAsync()
    {
        var lab = await ZfsFuseLab.CreateAsync(TestHostExtensions.Ct);
        try
        {
            await lab.BootAsync();
        }
        catch
        {
            await lab.DisposeAsync(); // its pool is the test's to destroy, even when it never booted
            throw;
        }
        return new StagingHost(lab.Files, lab.Process, lab.DisposeAsync, lab.HostRoot);
    }
}
