using Serilog;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Web.Cli;
using SnapUpgrade.Web.Engine;
using SnapUpgrade.Web.Extensions;

// `user ...` and `token ...`: the admin commands run on the configured DataDir and exit.
if (AdminCli.Handles(args))
    return await AdminCli.RunAsync(args);

// Start-up failures (bad settings) still reach the console. A plain logger, not a bootstrap one:
// a bootstrap logger can be frozen only once, and test hosts build the app more than once.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
try
{
    var builder = WebApplication.CreateBuilder(AppFolder.Options(args));
    // The engine role serves its socket only; all and web serve the pages (ADR 0019).
    var engine = HostSettings.ReadRole(builder.Configuration) == ConsoleRole.Engine;
    if (engine)
    {
        builder.AddEngineServices();
    }
    else
    {
        // Outside Development too: without it MudBlazor's _content/ files answer 500 (TESTING.md).
        builder.WebHost.UseStaticWebAssets();
        builder.AddApplicationServices();
    }

    var app = builder.Build();
    if (engine)
    {
        app.MapEngineEndpoints();
    }
    else
    {
        app.UseConsolePipeline();
        app.MapConsoleEndpoints();
    }

    app.Lifetime.ApplicationStarted.Register(() => app.LogListening());
    await app.RunAsync();
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    // A bad setting is the user's to fix: its message says how, a stack trace would only hide it.
    Log.Fatal(ex is InvalidHostSettingsException ? null : ex, "The console stopped: {Message}", ex.Message);
    Environment.ExitCode = 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
return Environment.ExitCode;

public partial class Program;
