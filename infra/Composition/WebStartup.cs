using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;

namespace SnapUpgrade.Infra.Composition;

/// <summary>
/// The web role's start: its first account, in its own DataDir (the engine keeps no accounts). It does not
/// wait for the engine: a web whose engine is away still starts, and says so on every page and on /healthz.
/// </summary>
public sealed partial class WebStartup(IAccounts accounts, HostSettings settings, ILogger<WebStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await FirstStart.EnsureAdminAsync(accounts, settings.DataDir, cancellationToken) is not null)
            LogAdminCreated(logger, FirstStart.PasswordFile(settings.DataDir));
        LogStarted(logger, settings.EngineSocket, settings.DataDir);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "First start: created the account 'admin'. Its password is in {PasswordFile} " +
        "(readable only by this user); change it with `user passwd admin`.")]
    private static partial void LogAdminCreated(ILogger logger, string passwordFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web started: the engine on {Socket}, accounts in {DataDir}")]
    private static partial void LogStarted(ILogger logger, string socket, string dataDir);
}
