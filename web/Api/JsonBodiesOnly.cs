namespace SnapUpgrade.Web.Api;

/// <summary>
/// A changing call (POST, DELETE...) takes a JSON body or no body at all. A form, multipart or text
/// body, even an empty one, is what a cross-site <c>&lt;form method=post&gt;</c> sends: binding would
/// read an empty form on an endpoint whose body is optional as "no options" and run it. Refused with
/// 415 before the endpoint runs, also on endpoints that take no body; so is a declared length over
/// <see cref="ApiExtensions.MaxBodyBytes"/> (413), which Kestrel only enforces on a body that is read.
/// </summary>
public static class JsonBodiesOnly
{
    public static ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var request = http.Request;
        if (IsSafe(request.Method) || !CarriesContent(request))
            return next(context);
        if (request.ContentLength > ApiExtensions.MaxBodyBytes)
            return Refuse(http, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The body is {request.ContentLength} bytes; the API takes at most {ApiExtensions.MaxBodyBytes}.");
        if (!request.HasJsonContentType())
            return Refuse(http, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", RequestErrors.JsonOnlyDetail);
        return next(context);
    }

    public static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    /// <summary>A content type (even with an empty body), a length or a chunked body.</summary>
    private static bool CarriesContent(HttpRequest request) =>
        request.ContentType is not null || request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    /// <summary>
    /// The body stays unread: the connection closes after the answer, so the client does not send its
    /// next request after bytes Kestrel will not drain (past the size limit it drops the connection).
    /// </summary>
    private static ValueTask<object?> Refuse(HttpContext http, int status, string title, string detail)
    {
        http.Response.Headers.Connection = "close";
        return ValueTask.FromResult<object?>(TypedResults.Problem(title: title, detail: detail, statusCode: status));
    }
}
