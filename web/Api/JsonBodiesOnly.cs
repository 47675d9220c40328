namespace SnapUpgrade.Web.Api;

/// <summary>
/// A changing call (POST, DELETE...) takes a JSON body or no body at all. A form, multipart or text
/// body, even an empty one, is what a cross-site <c>&lt;form method=post&gt;</c> sends: binding would
/// read an empty form on an endpoint whose body is optional as "no options" and run it. Refused with
/// 415 before the endpoint runs, also on endpoints that take no body.
/// </summary>
public static class JsonBodiesOnly
{
    public static ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (IsSafe(request.Method) || !CarriesContent(request) || request.HasJsonContentType())
            return next(context);
        return ValueTask.FromResult<object?>(TypedResults.Problem(
            title: "Unsupported media type", detail: RequestErrors.JsonOnlyDetail, statusCode: StatusCodes.Status415UnsupportedMediaType));
    }

    public static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>A content type (even with an empty body), a length or a chunked body.</summary>
    private static bool CarriesContent(HttpRequest request) =>
        request.ContentType is not null || request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
}
