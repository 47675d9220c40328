using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Remote;
using SnapUpgrade.Web.Extensions;

namespace SnapUpgrade.Web.Engine;

/// <summary>
/// The engine role (ADR 0019): the engine, its watcher, journal, audit writer and trial watch, served on
/// the Unix socket only (no TCP port, no pages, no accounts) to root and the socket group's members.
/// </summary>
public static partial class EngineRoleExtensions
{
    public static void AddEngineServices(this WebApplicationBuilder builder)
    {
        builder.AddLogging();
        builder.Services.AddSnapUpgradeHost(builder.Configuration);
        // Read here, before the server binds: a bad setting or a missing group stops the start with its message.
        var settings = HostSettings.Read(builder.Configuration);
        var (gid, removedStale) = EngineSocketFile.Prepare(settings);
        builder.Services.AddSingleton(new EngineSocketGroup(gid));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(settings.EngineSocket));
        builder.Services.AddHostedService(sp => new EngineSocketReport(settings, gid, removedStale,
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<EngineSocketReport>>()));
    }

    public static void MapEngineEndpoints(this WebApplication app)
    {
        app.UseMiddleware<EngineGate>();
        EngineEndpoints.Map(app);
    }
}

/// <summary>The gid of the group that may use the socket (<see cref="HostSettings.EngineGroup"/>).</summary>
public sealed record EngineSocketGroup(uint Gid);

/// <summary>Once listening: the socket made root's and the group's (0660), and said in the log.</summary>
public sealed partial class EngineSocketReport(HostSettings settings, uint gid, bool removedStale, IHostApplicationLifetime lifetime,
    ILogger<EngineSocketReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (removedStale) LogRemovedStale(logger, settings.EngineSocket);
        lifetime.ApplicationStarted.Register(() =>
        {
            try
            {
                EngineSocketFile.Secure(settings.EngineSocket, gid);
            }
            catch (IOException ex)
            {
                // Left as bind made it, the socket is root's alone (the web needs write): closed, not open. Stop, saying why.
                LogCannotSecure(logger, settings.EngineSocket, ex.Message);
                Environment.ExitCode = 1;
                lifetime.StopApplication();
                return;
            }
            LogListening(logger, settings.EngineSocket, settings.EngineGroup, EngineProtocol.Version);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed the stale engine socket {Socket}: nothing answered on it (an engine that was killed)")]
    private static partial void LogRemovedStale(ILogger logger, string socket);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The engine stops: it could not give its socket {Socket} to the web's group: {Reason}")]
    private static partial void LogCannotSecure(ILogger logger, string socket, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine listening on {Socket} (mode 0660, group {Group}), protocol {Protocol}")]
    private static partial void LogListening(ILogger logger, string socket, string group, int protocol);
}
