using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Access;
using SignInResult = SnapUpgrade.Core.Access.SignInResult;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// Local accounts in table <c>users</c>. Passwords are hashed with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> (v3: PBKDF2-HMAC-SHA512, salted). After
/// <paramref name="maxFailedAttempts"/> failures in a row an account is locked for
/// <paramref name="lockout"/> (15 minutes by default); a success resets the count.
/// </summary>
public sealed class SqliteAccounts(SqliteDatabase db, TimeProvider? clock = null, int maxFailedAttempts = 5, TimeSpan? lockout = null)
    : IAccounts
{
    const string Columns = "name AS Name, role AS Role, created_ms AS CreatedMs, failed_attempts AS FailedAttempts, locked_until_ms AS LockedUntilMs";

    static readonly PasswordHasher<UserAccount> Hasher = new();
    static readonly UserAccount Nobody = new() { Name = "", Role = Role.Auditor };
    // Verified against for unknown names, so that a wrong name costs what a wrong password does
    // and names cannot be probed by timing.
    static readonly Lazy<string> DummyHash = new(() => Hasher.HashPassword(Nobody, Guid.NewGuid().ToString()));

    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly TimeSpan _lockout = lockout ?? TimeSpan.FromMinutes(15);

    public async Task<IReadOnlyList<UserAccount>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Read, ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM users ORDER BY name;", cancellationToken: ct));
        return [.. rows.Select(r => r.ToAccount())];
    }

    public async Task<UserAccount?> FindAsync(string name, CancellationToken ct = default) =>
        (await FindRowAsync(name, ct))?.ToAccount();

    public async Task<UserAccount> AddAsync(string name, Role role, string password, CancellationToken ct = default)
    {
        AccountRules.CheckName(name, "user");
        AccountRules.CheckPassword(password);
        var account = new UserAccount { Name = name, Role = role, Created = Now() };
        var hash = Hasher.HashPassword(account, password);
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO users (name, role, password_hash, created_ms) VALUES (@Name, @Role, @Hash, @CreatedMs);",
                new { Name = name, Role = Roles.Name(role), Hash = hash, CreatedMs = UnixMs.From(account.Created) },
                cancellationToken: ct));
        }
        catch (SqliteException e) when (AccountRules.IsUniqueViolation(e))
        {
            throw new AccountException($"A user named '{name}' already exists.");
        }
        return account;
    }

    /// <summary>Also lifts a lockout: an admin setting a password is how a locked-out person gets back in.</summary>
    public async Task SetPasswordAsync(string name, string password, CancellationToken ct = default)
    {
        AccountRules.CheckPassword(password);
        var account = await FindAsync(name, ct) ?? throw new AccountException($"There is no user named '{name}'.");
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @Hash, failed_attempts = 0, locked_until_ms = NULL WHERE name = @Name;",
            new { Name = name, Hash = Hasher.HashPassword(account, password) }, cancellationToken: ct));
    }

    public async Task<bool> RemoveAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        // One write transaction for the check and the delete: two admins removing each other at
        // once cannot both pass the "another admin remains" check.
        await using var tx = connection.BeginTransaction(deferred: false);
        var role = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT role FROM users WHERE name = @Name;", new { Name = name }, tx, cancellationToken: ct));
        if (role is null)
            return false;
        var admin = Roles.Name(Role.Admin);
        if (role == admin && await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM users WHERE role = @Admin;", new { Admin = admin }, tx, cancellationToken: ct)) <= 1)
            throw new AccountException($"'{name}' is the last admin and cannot be removed: add another admin first.");
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM users WHERE name = @Name;", new { Name = name }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    public async Task<SignInResult> SignInAsync(string name, string password, CancellationToken ct = default)
    {
        var row = string.IsNullOrEmpty(name) ? null : await FindRowAsync(name, ct);
        // Always one PBKDF2 run, whatever the outcome, so the answer's timing tells nothing.
        var verified = Hasher.VerifyHashedPassword(row?.ToAccount() ?? Nobody, row?.PasswordHash ?? DummyHash.Value, password ?? "");
        if (row is null)
            return new SignInResult(SignInStatus.Failed, null);
        var now = Now();
        if (row.LockedUntilMs is { } locked && UnixMs.To(locked) > now)
            return new SignInResult(SignInStatus.LockedOut, null, UnixMs.To(locked));
        return verified == PasswordVerificationResult.Failed
            ? await FailedAsync(row, now, ct)
            : await SucceededAsync(row, password!, verified, ct);
    }

    async Task<SignInResult> FailedAsync(Row row, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        // One statement, so concurrent failures all count. Reaching the limit locks the account and
        // starts the count again, so after the lockout there are again maxFailedAttempts tries.
        var after = await connection.QuerySingleAsync<Row>(new CommandDefinition(
            $"""
            UPDATE users SET
                locked_until_ms = CASE WHEN failed_attempts + 1 >= @Max THEN @Until ELSE NULL END,
                failed_attempts = CASE WHEN failed_attempts + 1 >= @Max THEN 0 ELSE failed_attempts + 1 END
            WHERE name = @Name
            RETURNING {Columns};
            """,
            new { row.Name, Max = maxFailedAttempts, Until = UnixMs.From(now + _lockout) }, cancellationToken: ct));
        return after.LockedUntilMs is { } until
            ? new SignInResult(SignInStatus.LockedOut, null, UnixMs.To(until))
            : new SignInResult(SignInStatus.Failed, null);
    }

    async Task<SignInResult> SucceededAsync(Row row, string password, PasswordVerificationResult verified, CancellationToken ct)
    {
        var account = row.ToAccount() with { FailedAttempts = 0, LockedUntil = null };
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET failed_attempts = 0, locked_until_ms = NULL WHERE name = @Name;",
            new { row.Name }, cancellationToken: ct));
        // A hash from an older hasher version (or fewer iterations) is upgraded while the password is at hand;
        // the session stamp follows the new hash (other sessions of this user end, as after a reset).
        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var hash = Hasher.HashPassword(account, password);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE users SET password_hash = @Hash WHERE name = @Name;", new { row.Name, Hash = hash }, cancellationToken: ct));
            account = (new Row { Name = row.Name, Role = row.Role, CreatedMs = row.CreatedMs, PasswordHash = hash }).ToAccount();
        }
        return new SignInResult(SignInStatus.Succeeded, account);
    }

    async Task<Row?> FindRowAsync(string name, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Read, ct);
        return await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns}, password_hash AS PasswordHash FROM users WHERE name = @Name;", new { Name = name }, cancellationToken: ct));
    }

    DateTimeOffset Now() => UnixMs.To(UnixMs.From(_clock.GetUtcNow()));

    // Init properties: Dapper binds by setter (see TESTING.md on positional records).
    sealed class Row
    {
        public string Name { get; init; } = "";
        public string Role { get; init; } = "";
        public long CreatedMs { get; init; }
        public long FailedAttempts { get; init; }
        public long? LockedUntilMs { get; init; }
        public string PasswordHash { get; init; } = "";

        public UserAccount ToAccount() => new()
        {
            Name = Name,
            Role = AccountRules.ParseRole(Role),
            Created = UnixMs.To(CreatedMs),
            FailedAttempts = (int)FailedAttempts,
            LockedUntil = LockedUntilMs is { } l ? UnixMs.To(l) : null,
            SessionStamp = PasswordHash.Length == 0 ? null : StampOf(PasswordHash),
        };

        // Derived from the salted hash, which every password change replaces: no column to keep in step.
        static string StampOf(string hash) =>
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hash)))[..16];
    }
}
