using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Web.Live;

/// <summary>
/// "Activate and reboot", from the console and the API alike: after the activation succeeded, the
/// configured reboot argv (never a shell line) runs and gets its own audit row.
/// </summary>
public static class RebootCommand
{
    public static async Task<RebootResult> RunAsync(IProcessRunner runner, IAuditLog audit, HostSettings settings, Actor actor,
        string be, CancellationToken ct = default)
    {
        if (settings.RebootCommand.Count == 0)
            return new(false, "No reboot command is configured (SnapUpgrade:RebootCommand): reboot the host yourself.");
        var command = string.Join(' ', settings.RebootCommand);
        string? failure;
        try
        {
            var result = await runner.RunAsync(settings.RebootCommand, TimeSpan.FromMinutes(1), ct);
            failure = result.Succeeded ? null : $"the reboot command `{command}` failed (exit {result.ExitCode}): {result.StandardError.Trim()}";
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            failure = $"the reboot command `{command}` failed: {ex.Message}";
        }
        await audit.AppendAsync(failure is null
            ? AuditRecords.For(actor, "reboot", be, Outcome.Succeeded)
            : AuditRecords.For(actor, "reboot", be, Outcome.Failed, new(ErrorCode.OperationFailed, failure)),
            CancellationToken.None);
        return failure is null ? new(true, $"Reboot command `{command}` ran.") : new(false, failure);
    }

    /// <summary>For components: the services from the circuit's container; the message is a snackbar sentence.</summary>
    public static async Task<RebootResult> RunAsync(IServiceProvider services, HostSettings settings, Actor actor, string be)
    {
        var outcome = await RunAsync(services.GetRequiredService<IProcessRunner>(), services.GetRequiredService<IAuditLog>(),
            settings, actor, be);
        return outcome.Succeeded ? outcome : outcome with { Message = char.ToUpperInvariant(outcome.Message[0]) + outcome.Message[1..] };
    }
}

/// <summary>What a reboot attempt came to, for the dialog's or the API's answer.</summary>
public sealed record RebootResult(bool Succeeded, string Message);
