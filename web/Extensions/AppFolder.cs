namespace SnapUpgrade.Web.Extensions;

/// <summary>
/// The console's own folder as its content root, wherever it is started from. The default, the
/// working directory, breaks a console started elsewhere (a service unit without
/// <c>WorkingDirectory</c>, <c>sudo snapupgrade token ...</c> from a home folder): the static asset
/// endpoints come from the manifest next to the dll but the files are looked up under the working
/// directory, so <c>_framework/blazor.web.js</c> answers empty and every page stays at "Starting the
/// console...", and the settings watcher walks the whole working directory (issue 12, TESTING.md).
/// </summary>
public static class AppFolder
{
    /// <summary>Builder options with the content root (and so <c>wwwroot</c> and appsettings.json) in the app's folder.</summary>
    public static WebApplicationOptions Options(string[] args) =>
        new() { Args = args, ContentRootPath = AppContext.BaseDirectory };
}
