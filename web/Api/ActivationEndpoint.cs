using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Process;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// POST bes/{name}/activate {temporary?, reboot?}. With <c>reboot</c>, the configured reboot command
/// (an argv list) runs after a successful activation; without one configured the request is refused
/// before anything is activated. Both the refusal and the reboot get their own audit row.
/// </summary>
public static partial class ActivationEndpoint
{
    public static async Task<Results<Ok<OperationResult>, ProblemHttpResult>> ActivateAsync(
        AuditedOperations operations, IAuditLog audit, HostSettings settings, IProcessRunner runner, ILoggerFactory loggers,
        HttpContext http, string name, [FromBody] ActivateRequest? body, bool? dryRun)
    {
        var operation = new ActivateBe(name, body?.Temporary ?? false);
        var actor = ConsoleClaims.ActorOf(http)!;
        if (body?.Reboot == true && settings.RebootCommand.Count == 0 && Permissions.Allows(actor.Role, operation))
        {
            var error = new OperationError(ErrorCode.NotSupported,
                "No reboot command is configured (SnapUpgrade:RebootCommand): activate without reboot, then reboot the host yourself.");
            await AppendAsync(audit, actor, operation.Action, name, dryRun ?? false, "refused", error);
            return OperationProblems.For(error);
        }

        var answer = await operations.RunAsync(http, operation, dryRun ?? false);
        if (body?.Reboot != true || dryRun == true || answer.Result is not Ok<OperationResult> { Value: { } activated })
            return answer;

        var result = await runner.RunAsync(settings.RebootCommand, TimeSpan.FromMinutes(1), http.RequestAborted);
        var command = string.Join(' ', settings.RebootCommand);
        var logger = loggers.CreateLogger(typeof(ActivationEndpoint));
        if (!result.Succeeded)
        {
            var failed = new OperationError(ErrorCode.OperationFailed,
                $"{name} is active on reboot, but the reboot command `{command}` failed (exit {result.ExitCode}): {result.StandardError.Trim()}");
            LogRebootFailed(logger, command, result.ExitCode);
            await AppendAsync(audit, actor, "reboot", name, false, "failed", failed);
            return TypedResults.Problem(title: OperationError.Title(ErrorCode.OperationFailed), detail: failed.Message, statusCode: 500,
                extensions: new Dictionary<string, object?> { ["code"] = nameof(ErrorCode.OperationFailed), ["result"] = activated });
        }
        LogRebootStarted(logger, command, name);
        await AppendAsync(audit, actor, "reboot", name, false, "succeeded", null);
        return TypedResults.Ok(activated with { Report = [.. activated.Report, $"Reboot command `{command}` ran."] });
    }

    private static Task AppendAsync(IAuditLog audit, Actor actor, string action, string target, bool dryRun, string outcome, OperationError? error) =>
        audit.AppendAsync(new AuditRecord
        {
            Actor = actor.Name, Role = Roles.Name(actor.Role), Source = actor.Source, Action = action, Target = target,
            DryRun = dryRun, Outcome = outcome, ErrorCode = error?.Code.ToString(), Message = error?.Message,
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reboot command `{Command}` ran after activating {Be}")]
    private static partial void LogRebootStarted(ILogger logger, string command, string be);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reboot command `{Command}` failed with exit {ExitCode}")]
    private static partial void LogRebootFailed(ILogger logger, string command, int exitCode);
}
