using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>
/// The console on the zfs backend over a zfs-fuse lab pool laid out by <see cref="BootedZfsFuseLab"/>
/// (BE <c>be1</c> booted, with /var/shared). Without zfs-fuse nothing starts, and every test says so
/// through <c>Lane.RequireZfsFuse()</c> (a skip here, a failure in CI).
/// </summary>
public sealed class ZfsFuseApiHost : ApiHost
{
    private BootedZfsFuseLab? _lab;

    protected override async Task<IReadOnlyDictionary<string, string?>?> PrepareAsync()
    {
        _lab = await BootedZfsFuseLab.CreateIfInstalledAsync();
        return _lab?.ConsoleSettings;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_lab is not null) await CleanupFailures.GuardAsync($"{GetType().FullName} (its lab)", _lab.DisposeAsync);
    }
}
