using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// POST bes/{name}/activate {temporary?, reboot?}. With <c>reboot</c>, a successful activation is
/// followed by the engine's <see cref="RebootHost"/>: two operations, each with its own audit row. An
/// engine that cannot reboot refuses the reboot before anything is activated. A dry run plans both
/// and answers the activation's plan with the reboot's steps after it.
/// </summary>
public static partial class ActivationEndpoint
{
    public static async Task<Results<Ok<OperationResult>, ProblemHttpResult>> ActivateAsync(
        AuditedOperations operations, IEngine engine, ILoggerFactory loggers,
        HttpContext http, string name, [FromBody] ActivateRequest? body, bool? dryRun, string? planToken)
    {
        var reboot = body?.Reboot == true ? new RebootHost(name) : null;
        if (reboot is not null && !engine.CanReboot)
            return await operations.RunAsync(http, reboot, dryRun ?? false, planToken: null);

        var answer = await operations.RunAsync(http, new ActivateBe(name, body?.Temporary ?? false), dryRun ?? false, planToken);
        if (reboot is null || answer.Result is not Ok<OperationResult> { Value: { } activated })
            return answer;

        var rebooted = await operations.RunAsync(http, reboot, dryRun ?? false, planToken: null);
        var logger = loggers.CreateLogger(typeof(ActivationEndpoint));
        if (rebooted.Result is not Ok<OperationResult> { Value: { } then })
        {
            if (dryRun == true) return rebooted; // nothing was activated: the reboot's own answer
            var failure = (rebooted.Result as ProblemHttpResult)?.ProblemDetails.Detail;
            LogRebootFailed(logger, name, failure);
            return TypedResults.Problem(title: OperationError.Title(ErrorCode.OperationFailed),
                detail: $"{name} is active on reboot, but {Uncapitalized(failure)}", statusCode: 500,
                extensions: new Dictionary<string, object?> { ["code"] = nameof(ErrorCode.OperationFailed), ["result"] = activated });
        }
        if (dryRun != true) LogRebootStarted(logger, name);
        return TypedResults.Ok(activated with
        {
            Steps = [.. activated.Steps, .. then.Steps.Select(s => s with { Index = activated.Steps.Count + s.Index })],
            Report = [.. activated.Report, .. then.Report],
        });
    }

    private static string Uncapitalized(string? sentence) =>
        string.IsNullOrEmpty(sentence) ? "the reboot failed." : char.ToLowerInvariant(sentence[0]) + sentence[1..];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Activated {Be}, then asked the host to reboot")]
    private static partial void LogRebootStarted(ILogger logger, string be);

    [LoggerMessage(Level = LogLevel.Error, Message = "Activated {Be}, but the reboot failed: {Failure}")]
    private static partial void LogRebootFailed(ILogger logger, string be, string? failure);
}
