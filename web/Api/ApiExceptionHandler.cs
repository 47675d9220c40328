using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// Bad input is never a 500: a request the framework could not bind (bad JSON, unknown member,
/// wrong type, no body, too large) answers its 4xx as problem details. Anything else thrown under
/// /api is a 500 problem with code Internal and no stack trace; pages keep the /error page.
/// Codes come from the status (<see cref="RequestErrors.AddCode"/>).
/// </summary>
public sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        // The middleware has already pointed the request at /error: the original path is in the feature.
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path;
        if (exception is BadHttpRequestException bad)
        {
            var reason = Describe(bad);
            LogBadRequest(logger, httpContext.Request.Method, path, bad.StatusCode, reason);
            problem = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = reason,
            };
        }
        else if (path.StartsWith("/api/", StringComparison.Ordinal) && !httpContext.Response.HasStarted)
        {
            // .NET 10 no longer logs an exception a handler took (SuppressDiagnosticsCallback): this is the log the answer points to.
            LogInternal(logger, exception, httpContext.Request.Method, path, httpContext.TraceIdentifier);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError, Title = "Internal error",
                Detail = "The console could not answer this request; its log has the details.",
            };
        }
        else
        {
            return false;
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>What was wrong, without echoing the body back (it could hold anything).</summary>
    private static string Describe(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"The JSON body is not valid for this request: {json.Message}",
        _ => bad.Message,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed (request {RequestId})")]
    private static partial void LogInternal(ILogger logger, Exception exception, string method, string path, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path}: bad request ({Status}): {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string method, string path, int status, string reason);
}
