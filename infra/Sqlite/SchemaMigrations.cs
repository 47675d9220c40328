namespace SnapUpgrade.Infra.Sqlite;

/// <summary>One step of the schema, applied once, in order, and recorded in <c>PRAGMA user_version</c>.</summary>
public sealed record SchemaMigration(int Version, string Description, string Sql);

/// <summary>
/// The schema as an ordered list of additive steps. Older BEs run older consoles against the same
/// file (it lives on the shared dataset), so a step may only ADD: tables, nullable or defaulted
/// columns, indexes. Never drop, rename or change the meaning of what an older console reads or
/// writes. Append new steps at the end; never edit a released one. See docs/decisions/0002.
/// </summary>
public static class SchemaMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "operation journal",
            """
            CREATE TABLE operation_journal (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                action      TEXT    NOT NULL,
                target      TEXT,
                from_be     TEXT,
                to_be       TEXT,
                plan        TEXT,
                started_ms  INTEGER NOT NULL,  -- unix epoch milliseconds, UTC
                finished_ms INTEGER,           -- NULL while the operation is pending
                outcome     TEXT,
                message     TEXT
            );
            CREATE INDEX ix_operation_journal_pending
                ON operation_journal (id) WHERE finished_ms IS NULL;
            """),
        // 2: audit log, users, API tokens (next issue).
    ];

    /// <summary>The schema version this console writes.</summary>
    public static int Latest => All[^1].Version;
}
