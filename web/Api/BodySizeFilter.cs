using Microsoft.AspNetCore.Http.Features;

namespace SnapUpgrade.Web.Api;

/// <summary>
/// Kestrel enforces the size limit while the body is read; this refuses a declared oversize body
/// before that, with a problem (and holds behind servers that do not enforce the limit at all).
/// </summary>
public sealed class BodySizeFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? ApiExtensions.MaxBodyBytes;
        return http.Request.ContentLength > Math.Min(limit, ApiExtensions.MaxBodyBytes)
            ? ValueTask.FromResult<object?>(TooLarge())
            : next(context);
    }

    public static IResult TooLarge() => TypedResults.Problem(
        title: "Request body too large", statusCode: StatusCodes.Status413PayloadTooLarge,
        detail: $"The API takes bodies of at most {ApiExtensions.MaxBodyBytes / 1024} KiB.");
}
