namespace SnapUpgrade.Web.Api;

/// <summary>
/// The <c>code</c> of an answer refused before any operation was formed (binding, routing, sign-in,
/// limits), so a client can branch on <c>code</c> for every 4xx and 5xx. The engine's refusals
/// carry their own <see cref="Core.Engine.ErrorCode"/>; these never reach the engine or the audit trail.
/// </summary>
public enum RequestErrorCode
{
    /// <summary>The request could not be read: bad JSON, an unknown member, a wrong type, a bad query value.</summary>
    BadRequest,
    Unauthorized,
    Forbidden,
    /// <summary>No endpoint has this path (a routing 404, not a missing boot environment).</summary>
    NoSuchEndpoint,
    MethodNotAllowed,
    BodyTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    /// <summary>A bug or unexpected IO: the log has the details, the answer never does.</summary>
    Internal,
}

/// <summary>Adds a <c>code</c> to every problem that has none, from its status.</summary>
public static class RequestErrors
{
    public static RequestErrorCode For(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => RequestErrorCode.Unauthorized,
        StatusCodes.Status403Forbidden => RequestErrorCode.Forbidden,
        StatusCodes.Status404NotFound => RequestErrorCode.NoSuchEndpoint,
        StatusCodes.Status405MethodNotAllowed => RequestErrorCode.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => RequestErrorCode.BodyTooLarge,
        StatusCodes.Status415UnsupportedMediaType => RequestErrorCode.UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => RequestErrorCode.TooManyRequests,
        >= 500 => RequestErrorCode.Internal,
        _ => RequestErrorCode.BadRequest,
    };

    /// <summary>
    /// <see cref="ProblemDetailsOptions.CustomizeProblemDetails"/>: runs for every problem written
    /// (results, status code pages, the exception handler, the rate limiter), so none leaves without a code.
    /// </summary>
    public static void AddCode(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        if (!problem.Extensions.ContainsKey("code"))
            problem.Extensions["code"] = For(status).ToString();
        if (problem.Detail is null && status == StatusCodes.Status401Unauthorized)
            problem.Detail = UnauthorizedDetail;
    }

    public const string UnauthorizedDetail =
        "Send Authorization: Bearer su_... (an API token). The session cookie is accepted for reads (GET) only.";

    /// <summary>What every refusal of the API says about a body that is not JSON.</summary>
    public const string JsonOnlyDetail =
        "The API takes JSON only: send Content-Type: application/json with a body, or no body and no Content-Type where every member is optional.";
}
