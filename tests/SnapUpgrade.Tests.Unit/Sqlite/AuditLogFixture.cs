using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>Rows to append, and a way around the class under test: a raw connection to the same file.</summary>
static class AuditLogFixture
{
    public static AuditRecord Record(int i, string actor = "alice", string action = "activate", string? target = null,
        string outcome = "succeeded") => new()
        {
            Actor = actor, Role = "operator", Source = "10.0.0.7", Action = action,
            Target = target ?? $"be{i}", FromBe = "be1", ToBe = target ?? $"be{i}",
            Outcome = outcome, Message = $"row {i}", DurationMs = i,
        };

    public static async Task RawExecuteAsync(string path, string sql)
    {
        await using var raw = new SqliteConnection($"Data Source={path};Pooling=False");
        await raw.OpenAsync();
        await raw.ExecuteAsync(sql);
    }
}
