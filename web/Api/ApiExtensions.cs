using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Api;

public static class ApiExtensions
{
    /// <summary>No request body of the API is anywhere near this.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static void AddApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            var json = o.SerializerOptions;
            json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            json.RespectRequiredConstructorParameters = true;
            json.RespectNullableAnnotations = true;
            // outcome and role as the audit trail writes them; error codes as the closed enum names them.
            json.Converters.Add(new JsonStringEnumConverter<Outcome>(JsonNamingPolicy.CamelCase));
            json.Converters.Add(new JsonStringEnumConverter<Role>(JsonNamingPolicy.CamelCase));
            json.Converters.Add(new JsonStringEnumConverter());
        });
        // Binding failures (bad JSON, wrong types, a missing body) throw, and ApiExceptionHandler
        // turns them into 400 problem details instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Every problem (results, status code pages, exception handler, rate limiter) leaves with a code,
        // as JSON under /api whatever the Accept header (ApiProblemWriter, ahead of the default writer).
        services.AddSingleton<IProblemDetailsWriter, ApiProblemWriter>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = RequestErrors.AddCode);
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddOpenApi(o => o.AddDocumentTransformer<BearerSchemeTransformer>());
    }

    public static void MapApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(Policies.Viewer)
            // Kestrel answers 413 when a body grows past this while it is read.
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .AddEndpointFilter(JsonBodiesOnly.FilterAsync);
        api.MapHostEndpoints();
        api.MapBeEndpoints();
        api.MapSnapshotEndpoints();
        api.MapSharedEndpoints();
        api.MapZoneEndpoints();
        api.MapAuditEndpoints();
        api.MapUpgradeEndpoints();
    }
}
