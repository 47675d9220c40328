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
        new(2, "audit log: append-only, hash-chained",
            """
            CREATE TABLE audit_log (
                id          INTEGER PRIMARY KEY,  -- 1, 2, 3...: set by the appender, a gap is a removed row
                time_ms     INTEGER NOT NULL,     -- unix epoch milliseconds, UTC
                actor       TEXT    NOT NULL,
                role        TEXT    NOT NULL,
                source      TEXT,
                action      TEXT    NOT NULL,
                target      TEXT,
                from_be     TEXT,
                to_be       TEXT,
                dry_run     INTEGER NOT NULL,
                outcome     TEXT    NOT NULL,
                error_code  TEXT,
                message     TEXT,
                duration_ms INTEGER NOT NULL,
                prev_hash   TEXT    NOT NULL,
                hash        TEXT    NOT NULL
            );
            -- Every index ends in the rowid, so "col = ? ORDER BY id DESC" walks one index backwards.
            CREATE INDEX ix_audit_log_time    ON audit_log (time_ms);
            CREATE INDEX ix_audit_log_actor   ON audit_log (actor);
            CREATE INDEX ix_audit_log_action  ON audit_log (action);
            CREATE INDEX ix_audit_log_target  ON audit_log (target);
            CREATE INDEX ix_audit_log_from_be ON audit_log (from_be);
            CREATE INDEX ix_audit_log_to_be   ON audit_log (to_be);
            CREATE INDEX ix_audit_log_outcome ON audit_log (outcome, time_ms);
            -- Append-only in the file itself, not only in this code.
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: a row cannot be changed'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: a row cannot be removed'); END;
            """),
        new(3, "users and API tokens",
            """
            CREATE TABLE users (
                id              INTEGER PRIMARY KEY,
                name            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
                role            TEXT    NOT NULL,
                password_hash   TEXT    NOT NULL,  -- ASP.NET Core Identity PasswordHasher v3 (PBKDF2)
                created_ms      INTEGER NOT NULL,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until_ms INTEGER
            );
            CREATE TABLE api_tokens (
                id           INTEGER PRIMARY KEY,
                -- unique for ever, revoked ones included: a name in the audit trail means one token
                name         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
                role         TEXT    NOT NULL,
                secret_hash  TEXT    NOT NULL UNIQUE,  -- hex SHA-256 of the secret; the secret is never stored
                created_ms   INTEGER NOT NULL,
                created_by   TEXT    NOT NULL,
                expires_ms   INTEGER,
                revoked_ms   INTEGER,
                last_used_ms INTEGER
            );
            """),
        new(4, "audit log: outcome index for newest-first pages",
            """
            -- ix_audit_log_outcome is (outcome, time_ms): right for counts and pages of an outcome in
            -- a time range, but "outcome = ? ORDER BY id DESC" must then sort every row of that
            -- outcome (measured: 1.4 s for 'succeeded' at 1,000,000 rows). This one walks backwards.
            CREATE INDEX ix_audit_log_outcome_id ON audit_log (outcome);
            """),
        new(5, "operation journal: undo data written ahead of each step",
            """
            -- A JSON array with each planned step's undo (null: the step cannot be taken back), the
            -- number of steps started, and the undos steps record while running: what a console
            -- restarted after a crash needs to undo a half-done operation.
            ALTER TABLE operation_journal ADD COLUMN undos TEXT;
            ALTER TABLE operation_journal ADD COLUMN steps_started INTEGER NOT NULL DEFAULT 0;
            CREATE TABLE operation_undo (
                seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                journal_id INTEGER NOT NULL REFERENCES operation_journal (id),
                step       INTEGER NOT NULL,
                undo       TEXT    NOT NULL   -- JSON
            );
            CREATE INDEX ix_operation_undo_journal ON operation_undo (journal_id);
            """),
        new(6, "operation journal: audited, set with the operation's audit row",
            """
            -- 0 from the journal's begin until the audit row is written (same transaction); rows of
            -- older consoles count as audited. A finished row still at 0 lost its audit row to a
            -- crash: the next start records it.
            ALTER TABLE operation_journal ADD COLUMN audited INTEGER NOT NULL DEFAULT 1;
            """),
        new(7, "operation journal: the actor; the database's id for the audit anchor",
            """
            -- Who asked, for the operation's audit row, which the journal's completion writes (in its
            -- transaction) and a restart after a crash too. NULL in rows of older consoles.
            ALTER TABLE operation_journal ADD COLUMN actor  TEXT;
            ALTER TABLE operation_journal ADD COLUMN role   TEXT;
            ALTER TABLE operation_journal ADD COLUMN source TEXT;
            -- Facts about the file itself. database_id: random, made once; the anchor of the audit
            -- chain's head on the pool names it, so verification tells an older copy of this
            -- database (same id, fewer rows) from another database (another id).
            CREATE TABLE meta (
                key   TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            INSERT INTO meta (key, value) VALUES ('database_id', lower(hex(randomblob(16))));
            """),
    ];

    /// <summary>The schema version this console writes.</summary>
    public static int Latest => All[^1].Version;
}
