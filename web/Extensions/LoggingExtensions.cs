using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Serilog;
using SnapUpgrade.Infra.Composition;

namespace SnapUpgrade.Web.Extensions;

public static partial class LoggingExtensions
{
    /// <summary>Serilog to the console and a daily file in DataDir/logs. The static logger stays
    /// Program's start-up one (it reports a failed start after the host has gone). Configured when the
    /// container is built, so settings a test host adds late (DataDir) are the ones used.</summary>
    public static void AddLogging(this WebApplicationBuilder builder) =>
        builder.Host.UseSerilog(preserveStaticLogger: true, configureLogger: (context, services, logger) => logger
            .ReadFrom.Configuration(context.Configuration)
            // Sinks and enrichers registered as services (a test's capture sink).
            .ReadFrom.Services(services)
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console()
            .WriteTo.File(
                Path.Combine(services.GetRequiredService<HostSettings>().DataDir, "logs", "console-.log"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, hooks: new PrivateLogFiles()));

    /// <summary>Each log file 0600 in a 0700 directory, whatever the umask: logs name users and hosts.</summary>
    private sealed class PrivateLogFiles : Serilog.Sinks.File.FileLifecycleHooks
    {
        public override Stream OnFileOpened(string path, Stream underlyingStream, System.Text.Encoding encoding)
        {
            PrivateFiles.Directory(Path.GetDirectoryName(path)!);
            PrivateFiles.File0600(path);
            return underlyingStream;
        }
    }

    /// <summary>Says where the console answers, so <c>dotnet run</c> shows a URL to open.</summary>
    public static void LogListening(this WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
            LogOpen(app.Logger, address);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SnapUpgrade Console: open {Url}")]
    private static partial void LogOpen(Microsoft.Extensions.Logging.ILogger logger, string url);
}
