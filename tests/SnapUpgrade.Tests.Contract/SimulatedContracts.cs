using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Contract;

// The contract suites against the embedded simulator: the same tests zfs-fuse passes.

public sealed class SimulatedZfsContract : ZfsContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await SimulatedLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class SimulatedMountsContract : MountsContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await SimulatedLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class SimulatedStagingMountsContract : StagingMountsContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await SimulatedLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class SimulatedFilesContract : FilesContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await SimulatedLab.CreateAsync(TestHostExtensions.Ct);
}

public sealed class SimulatedStagedApplyContract : StagedApplyOverlayContract
{
    protected override async Task<StagingHost> CreateHostAsync()
    {
        var lab = await SimulatedLab.CreateAsync(TestHostExtensions.Ct);
        await lab.BootAsync();
        return new StagingHost(lab.Files, lab.Process, lab.DisposeAsync);
    }
}
