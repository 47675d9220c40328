using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// Under /api a problem is written as JSON whatever the request's Accept header says. The default
/// writer declines a client that asks for <c>text/html</c> only: status code pages then answered
/// plain text and the exception handler the HTML error page, both without a <c>code</c>. The API
/// has no other representation to offer. Registered before the default writer, which keeps pages.
/// </summary>
public sealed class ApiProblemWriter(IOptions<ProblemDetailsOptions> options, IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => IsApi(context.HttpContext);

    /// <summary>The request's path, or the original one while the exception handler runs (it points the request at /error).</summary>
    private static bool IsApi(HttpContext http) =>
        http.Features.Get<IExceptionHandlerPathFeature>() is { } failed
            ? new PathString(failed.Path).StartsWithSegments("/api")
            : AuthExtensions.IsApi(http.Request);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions,
            "application/problem+json", http.RequestAborted));
    }
}
