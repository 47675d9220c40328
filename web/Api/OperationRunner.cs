using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Api;

/// <summary>Every mutating endpoint ends here: <see cref="AuditedOperations"/> checks the role, runs the
/// engine (or plans, on a dry run) and writes the one audit row before the answer; after a real run it
/// nudges the host watcher, so open browsers see the change at once. Each endpoint takes <c>?dryRun=true</c>, whose answer carries a
/// <c>planToken</c>, and <c>?planToken=</c> on the run: then exactly the reviewed plan runs, or nothing (409 <c>PlanChanged</c>).</summary>
public static partial class OperationRunner
{
    public static async Task<Results<Ok<OperationResult>, ProblemHttpResult>> RunAsync(
        this AuditedOperations operations, HttpContext http, IOperation operation, bool dryRun, string? planToken)
    {
        // The group requires a signed-in user; this only guards against a mapping without it.
        var actor = ConsoleClaims.ActorOf(http) ?? throw new InvalidOperationException("An operation endpoint ran without a signed-in user.");
        var result = await operations.RunAsync(actor, operation, dryRun, planToken, http.RequestAborted);
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OperationRunner));
        LogOperation(logger, actor.Name, actor.Source, operation.Action, operation.Target, dryRun, result.Outcome, result.Error?.Code);
        return result.Succeeded ? TypedResults.Ok(result) : OperationProblems.For(result);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Actor} from {Source}: {Action} {Target} (dry run {DryRun}): {Outcome} {ErrorCode}")]
    private static partial void LogOperation(ILogger logger, string actor, string? source, string action, string? target,
        bool dryRun, Outcome outcome, ErrorCode? errorCode);
}
