using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Tests.Browser;

/// <summary>A simulated console of its own for the flows that change the host (create, activate):
/// the assembly's shared console stays as seeded for the tests that only read it.</summary>
public sealed class FlowServer : ConsoleServer;

/// <summary>
/// The console on the zfs backend over a zfs-fuse lab pool laid out by <see cref="BootedZfsFuseLab"/>
/// (BE <c>be1</c> booted, with /var/shared), as the API tests start it. Without zfs-fuse nothing
/// starts, and every test says so through <c>Lane.RequireZfsFuse()</c>.
/// </summary>
public sealed class ZfsFuseConsoleServer : ConsoleServer
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
