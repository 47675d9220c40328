using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Process;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>
/// "Activate and reboot" from the console: after the activation succeeded, the configured reboot argv
/// runs and gets its own audit row, as the API's activation endpoint does.
/// </summary>
public static class RebootCommand
{
    /// <summary>The sentence to add to the snackbar.</summary>
    public static async Task<string?> RunAsync(IServiceProvider services, HostSettings settings, Actor actor, string be)
    {
        if (settings.RebootCommand.Count == 0) return "No reboot command is configured: reboot the host yourself.";
        var runner = services.GetRequiredService<IProcessRunner>();
        var audit = services.GetRequiredService<IAuditLog>();
        var command = string.Join(' ', settings.RebootCommand);
        string outcome, message;
        try
        {
            var result = await runner.RunAsync(settings.RebootCommand, TimeSpan.FromMinutes(1));
            (outcome, message) = result.Succeeded
                ? ("succeeded", $"Reboot command `{command}` ran.")
                : ("failed", $"The reboot command `{command}` failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            (outcome, message) = ("failed", $"The reboot command `{command}` failed: {ex.Message}");
        }
        await audit.AppendAsync(new AuditRecord
        {
            Actor = actor.Name, Role = Roles.Name(actor.Role), Source = actor.Source, Action = "reboot", Target = be,
            Outcome = outcome, ErrorCode = outcome == "failed" ? "OperationFailed" : null,
            Message = outcome == "failed" ? message : null,
        });
        return message;
    }
}
