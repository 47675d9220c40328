using Serilog;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Web.Components;
using SnapUpgrade.Web.Extensions;

// Start-up failures (bad settings) still reach the console. A plain logger, not a bootstrap one:
// a bootstrap logger can be frozen only once, and test hosts build the app more than once.
Log.Logger = new LoggerConfiguration().WriteTo.Console().CreateLogger();
try
{
    var builder = WebApplication.CreateBuilder(args);
    // Outside Development too: without it MudBlazor's _content/ files answer 500 (TESTING.md).
    builder.WebHost.UseStaticWebAssets();
    builder.AddApplicationServices();

    var app = builder.Build();
    if (!app.Environment.IsDevelopment())
        app.UseExceptionHandler("/error", createScopeForErrors: true);
    app.UseSerilogRequestLogging();
    app.UseAntiforgery();
    app.MapStaticAssets();
    app.MapHealthChecks("/healthz");
    app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

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

public partial class Program;
