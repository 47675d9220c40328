using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Live;

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
        HttpContext http, string name, [FromBody] ActivateRequest? body, bool? dryRun, string? planToken)
    {
        var operation = new ActivateBe(name, body?.Temporary ?? false);
        var actor = ConsoleClaims.ActorOf(http)!;
        if (body?.Reboot == true && settings.RebootCommand.Count == 0 && Permissions.Allows(actor.Role, operation))
        {
            var error = new OperationError(ErrorCode.NotSupported,
                "No reboot command is configured (SnapUpgrade:RebootCommand): activate without reboot, then reboot the host yourself.");
            await audit.AppendAsync(AuditRecords.For(actor, operation.Action, name, Outcome.Refused, error, dryRun: dryRun ?? false));
            return OperationProblems.For(error);
        }

        var answer = await operations.RunAsync(http, operation, dryRun ?? false, planToken);
        if (body?.Reboot != true || dryRun == true || answer.Result is not Ok<OperationResult> { Value: { } activated })
            return answer;

        var reboot = await RebootCommand.RunAsync(runner, audit, settings, actor, name, http.RequestAborted);
        var logger = loggers.CreateLogger(typeof(ActivationEndpoint));
        if (!reboot.Succeeded)
        {
            LogRebootFailed(logger, name, reboot.Message);
            return TypedResults.Problem(title: OperationError.Title(ErrorCode.OperationFailed),
                detail: $"{name} is active on reboot, but {reboot.Message}", statusCode: 500,
                extensions: new Dictionary<string, object?> { ["code"] = nameof(ErrorCode.OperationFailed), ["result"] = activated });
        }
        LogRebootStarted(logger, name, reboot.Message);
        return TypedResults.Ok(activated with { Report = [.. activated.Report, reboot.Message] });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activated {Be}, then: {Outcome}")]
    private static partial void LogRebootStarted(ILogger logger, string be, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Activated {Be}, but {Failure}")]
    private static partial void LogRebootFailed(ILogger logger, string be, string failure);
}
