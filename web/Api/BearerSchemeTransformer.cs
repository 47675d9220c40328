using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace SnapUpgrade.Web.Api;

/// <summary>Describes the API's bearer tokens (<c>su_...</c>, made by <c>token create</c>) in /openapi/v1.json.</summary>
public sealed class BearerSchemeTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "su_...",
            Description = "An API token made by an admin (`token create --role <role> --name <name>`). Changing calls (POST, DELETE) take only this; the browser's cookie works for GETs.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
