using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Sqlite;

namespace SnapUpgrade.Web.Api;

/// <summary>The audit trail's filters, from the query string.</summary>
public sealed record AuditFilter(
    DateTimeOffset? From, DateTimeOffset? To, string? Actor, string? Action, string? Target, string? Outcome, int? Page, int? PageSize)
{
    public AuditQuery ToQuery() => new(From, To, Actor, Action, Target, Outcome, Page ?? 1, PageSize ?? 50);
}

public static class AuditEndpoints
{
    public static void MapAuditEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("audit", QueryAsync);
        api.MapGet("audit.csv", Csv);
        api.MapGet("audit/verify", async (IAuditLog audit, CancellationToken ct) => TypedResults.Ok(await audit.VerifyAsync(ct)));
    }

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> QueryAsync(IAuditLog audit, [AsParameters] AuditFilter filter, CancellationToken ct)
    {
        if (filter.Page is < 1 || filter.PageSize is < 1 or > AuditQuery.MaxPageSize)
            return TypedResults.Problem(title: "Invalid paging", statusCode: StatusCodes.Status400BadRequest,
                detail: $"page starts at 1; pageSize is 1 to {AuditQuery.MaxPageSize}.");
        return TypedResults.Ok(await audit.QueryAsync(filter.ToQuery(), ct));
    }

    /// <summary>Streamed row by row into the response: constant memory whatever the size of the trail.</summary>
    private static PushStreamHttpResult Csv(IAuditLog audit, [AsParameters] AuditFilter filter, HttpContext http) =>
        TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), leaveOpen: true);
            await AuditCsv.WriteAsync(audit.StreamAsync(filter.ToQuery(), http.RequestAborted), writer, http.RequestAborted);
            await writer.FlushAsync(http.RequestAborted);
        }, "text/csv; charset=utf-8", $"snapupgrade-audit-{DateTime.UtcNow:yyyyMMdd-HHmmss}.csv");
}
