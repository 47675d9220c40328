using System.Globalization;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Web.Components.Pages.Audit;

/// <summary>The audit page's filters: one query for the table, the same filters as the CSV link's query string.</summary>
public sealed class AuditFilters
{
    public DateTime? FromDate { get; set; }
    public DateTime? ToDate { get; set; }
    public string? Actor { get; set; }
    public string? Action { get; set; }
    public string? Target { get; set; }
    public string? Outcome { get; set; }

    // Dates are whole days in UTC: "to" includes the whole day it names.
    private DateTimeOffset? From => FromDate is { } d ? new DateTimeOffset(d.Date, TimeSpan.Zero) : null;
    private DateTimeOffset? To => ToDate is { } d ? new DateTimeOffset(d.Date.AddDays(1).AddTicks(-1), TimeSpan.Zero) : null;

    public AuditQuery ToQuery(int page, int pageSize) =>
        new(From, To, Blank(Actor), Blank(Action), Blank(Target), Blank(Outcome), page, pageSize);

    /// <summary>The export link: the cookie of the signed-in user authenticates the download.</summary>
    public string CsvHref()
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (Blank(value) is { } v) parts.Add($"{key}={Uri.EscapeDataString(v)}");
        }
        Add("from", From?.ToString("o", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("o", CultureInfo.InvariantCulture));
        Add("actor", Actor);
        Add("action", Action);
        Add("target", Target);
        Add("outcome", Outcome);
        return parts.Count == 0 ? "api/v1/audit.csv" : "api/v1/audit.csv?" + string.Join('&', parts);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
