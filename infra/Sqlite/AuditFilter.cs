using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>An <see cref="AuditQuery"/>'s filters as a WHERE clause of fixed fragments and bound values (never spliced text).</summary>
sealed class AuditFilter
{
    readonly List<string> _clauses = [];
    readonly List<(string Name, object Value)> _values = [];

    public AuditFilter(AuditQuery query)
    {
        // Both ends inclusive, to the millisecond the rows are stored with.
        if (query.From is { } from) Add("time_ms >= @from", "@from", UnixMs.From(from));
        if (query.To is { } to) Add("time_ms <= @to", "@to", UnixMs.From(to));
        if (Given(query.Actor) is { } actor) Add("actor = @actor", "@actor", actor);
        if (Given(query.Action) is { } action) Add("action = @action", "@action", action);
        if (Given(query.Target) is { } target) Add("(target = @target OR from_be = @target OR to_be = @target)", "@target", target);
        if (Given(query.Outcome) is { } outcome) Add("outcome = @outcome", "@outcome", outcome);
        if (query.DryRun is { } dryRun) Add("dry_run = @dry_run", "@dry_run", dryRun ? 1 : 0);
    }

    public bool IsEmpty => _clauses.Count == 0;

    public string Where => IsEmpty ? "" : "WHERE " + string.Join(" AND ", _clauses);

    public void BindTo(SqliteCommand command)
    {
        foreach (var (name, value) in _values)
            command.Parameters.AddWithValue(name, value);
    }

    void Add(string clause, string name, object value)
    {
        _clauses.Add(clause);
        _values.Add((name, value));
    }

    // An empty filter box means "any", not "equal to the empty string".
    static string? Given(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
