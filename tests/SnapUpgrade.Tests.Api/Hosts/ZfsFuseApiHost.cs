using SnapUpgrade.Core.Lab;
using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>
/// The console on the zfs backend over a zfs-fuse lab pool laid out by <see cref="LabBootstrap"/>
/// (BE <c>be1</c> booted, with /var/shared). Without zfs-fuse nothing starts, and every test says so
/// through <c>Lane.RequireZfsFuse()</c> (a skip here, a failure in CI).
/// </summary>
public sealed class ZfsFuseApiHost : ApiHost
{
    private ZfsFuseLab? _lab;

    protected override async Task<IReadOnlyDictionary<string, string?>?> PrepareAsync()
    {
        if (!ZfsFuseLab.IsInstalled) return null;
        _lab = await ZfsFuseLab.CreateAsync();
        await LabBootstrap.InitializeAsync(_lab.Zfs, _lab.Files, _lab.Pool, "be1", withShared: true);
        return new Dictionary<string, string?>
        {
            ["SnapUpgrade:Backend"] = "zfs",
            ["SnapUpgrade:Pool"] = _lab.Pool,
            ["SnapUpgrade:HostRoot"] = _lab.HostRoot,
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_lab is not null) await _lab.DisposeAsync();
    }
}
