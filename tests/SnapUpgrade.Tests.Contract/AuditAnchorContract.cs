using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// What the audit anchor over <c>IZfs</c> must do on every backend: nothing before the first write,
/// then the last head written, read back as written, on the pool's root dataset only.
/// </summary>
public abstract class AuditAnchorContract
{
    protected abstract Task<ITestHost> CreateHostAsync();

    [Fact]
    public async Task Anchor_ReadsNothingFirst_ThenTheLastHeadWritten()
    {
        await using var host = await CreateHostAsync();
        var anchor = new ZfsAuditAnchor(host.Zfs, host.Pool);
        var child = host.Layout().BeContainer;
        await host.RunAsync(new ZfsCreate(child, Props(("canmount", "off"), ("mountpoint", "none"))));
        var first = new AuditHead("5f0c2a", 41, new string('a', 64));
        var last = new AuditHead("5f0c2a", 57, new string('b', 64));

        Assert.Null(await anchor.ReadAsync(Ct));
        await anchor.WriteAsync(first, Ct);
        await anchor.WriteAsync(last, Ct);

        Assert.Equal(last, await anchor.ReadAsync(Ct));
        var listing = await host.ListAsync();
        Assert.Equal(last.ToString(), listing.Find(host.Pool)!.AuditHead);
        Assert.Null(listing.Find(child)!.AuditHead); // inherited, so not the child's own: not listed
    }
}

public sealed class SimulatedAuditAnchorContract : AuditAnchorContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await SimulatedLab.CreateAsync(Ct);
}

public sealed class ZfsFuseAuditAnchorContract : AuditAnchorContract
{
    protected override async Task<ITestHost> CreateHostAsync() => await ZfsFuseLab.CreateAsync(Ct);
}
