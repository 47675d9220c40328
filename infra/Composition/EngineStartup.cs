using Microsoft.Extensions.Hosting;

namespace SnapUpgrade.Infra.Composition;

/// <summary>Starts the engine before the web server listens (hosted services start first).</summary>
public sealed class EngineStartup(EngineHost host) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => host.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
