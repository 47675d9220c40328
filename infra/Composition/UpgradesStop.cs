using Microsoft.Extensions.Hosting;
using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Infra.Composition;

/// <summary>
/// Stops the engine's upgrades when the console stops (<see cref="UpgradeRuns.StopAsync"/>): a running one is
/// cancelled and finished (command stopped, BE unmounted and marked failed, audited) within the host's time
/// to stop. Registered after every other hosted service of the engine, so it stops first, while the engine,
/// its journal and the audit log still run.
/// </summary>
internal sealed class UpgradesStop(Func<IUpgrades> upgrades) : IHostedService
{
    private UpgradeRuns? _runs;

    // Resolved once the engine has started (EngineStartup is earlier): a console that never started has none to stop.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _runs = upgrades() as UpgradeRuns;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => _runs?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
