using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Api;

/// <summary>RFC 7807 answers carrying the engine's closed error code in <c>code</c>.</summary>
public static class OperationProblems
{
    public static int Status(ErrorCode code) => code switch
    {
        ErrorCode.NotFound or ErrorCode.ZoneNotFound or ErrorCode.SnapshotNotFound => StatusCodes.Status404NotFound,
        ErrorCode.InvalidName or ErrorCode.InvalidDescription or ErrorCode.InvalidSource or ErrorCode.InvalidPath or ErrorCode.InvalidPlanToken => StatusCodes.Status400BadRequest,
        ErrorCode.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCode.OperationFailed => StatusCodes.Status500InternalServerError,
        // The rest are states of the host (booted, mounted, kept, busy, not supported here...).
        _ => StatusCodes.Status409Conflict,
    };

    /// <summary>
    /// A refused or failed result as a problem with the engine's code: a failure is 500
    /// <c>OperationFailed</c>, except one the engine names (a link met half-way: 409 <c>UnsafePath</c>,
    /// after everything was undone).
    /// </summary>
    public static ProblemHttpResult For(OperationResult result)
    {
        var error = result.Error ?? new OperationError(ErrorCode.OperationFailed, "The operation failed.");
        var code = result.Outcome == Outcome.Failed && error.Code != ErrorCode.UnsafePath ? ErrorCode.OperationFailed : error.Code;
        return TypedResults.Problem(
            title: OperationError.Title(code), detail: error.Message, statusCode: Status(code),
            extensions: new Dictionary<string, object?> { ["code"] = code.ToString(), ["result"] = result });
    }

    public static ProblemHttpResult For(OperationError error) =>
        TypedResults.Problem(title: OperationError.Title(error.Code), detail: error.Message, statusCode: Status(error.Code),
            extensions: new Dictionary<string, object?> { ["code"] = error.Code.ToString() });
}
