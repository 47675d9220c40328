using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// API tokens in table <c>api_tokens</c>. A secret is <c>su_</c> and 32 random bytes (base64url);
/// only its SHA-256 is stored. A fast hash is right here: 256 random bits cannot be guessed, so a
/// slow KDF would only slow every API call down. Lookup is by that hash (a unique index).
/// </summary>
public sealed class SqliteTokens(SqliteDatabase db, TimeProvider? clock = null) : ITokens
{
    public const string Prefix = "su_";
    const int SecretBytes = 32;
    static readonly int SecretLength = Prefix.Length + Base64Url.GetEncodedLength(SecretBytes);
    // last_used is for "is this token still in use?", not an access log: a write per call would
    // turn every API read into a write, so it is refreshed at most this often.
    static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    const string Columns = """
        id AS Id, name AS Name, role AS Role, created_ms AS CreatedMs, created_by AS CreatedBy,
        expires_ms AS ExpiresMs, revoked_ms AS RevokedMs, last_used_ms AS LastUsedMs
        """;

    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<(string Secret, ApiToken Token)> CreateAsync(
        string name, Role role, DateTimeOffset? expires, string createdBy, CancellationToken ct = default)
    {
        AccountRules.CheckName(name, "token");
        ArgumentException.ThrowIfNullOrWhiteSpace(createdBy);
        var now = Now();
        if (expires is { } e && e <= now)
            throw new AccountException($"The expiry {e:u} is not in the future.");
        var secret = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var token = new ApiToken
        {
            Name = name, Role = role, Created = now, CreatedBy = createdBy,
            Expires = expires is { } x ? UnixMs.To(UnixMs.From(x)) : null,
        };
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO api_tokens (name, role, secret_hash, created_ms, created_by, expires_ms)
                VALUES (@Name, @Role, @Hash, @CreatedMs, @CreatedBy, @ExpiresMs);
                """,
                new
                {
                    Name = name, Role = Roles.Name(role), Hash = HashOf(secret), CreatedMs = UnixMs.From(now), CreatedBy = createdBy,
                    ExpiresMs = token.Expires is { } ex ? UnixMs.From(ex) : (long?)null,
                },
                cancellationToken: ct));
        }
        catch (SqliteException ex) when (AccountRules.IsUniqueViolation(ex))
        {
            throw new AccountException(
                $"A token named '{name}' exists (revoked tokens keep their names, so a name in the audit log means one token): choose another name.");
        }
        return (secret, token);
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Read, ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM api_tokens ORDER BY name;", cancellationToken: ct));
        return [.. rows.Select(r => r.ToToken())];
    }

    /// <summary>True when this call revoked it; false for an unknown or already revoked token.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_tokens SET revoked_ms = @Now WHERE name = @Name AND revoked_ms IS NULL;",
            new { Name = name, Now = UnixMs.From(Now()) }, cancellationToken: ct)) > 0;
    }

    public async Task<ApiToken?> ValidateAsync(string secret, CancellationToken ct = default)
    {
        if (secret is null || secret.Length != SecretLength || !secret.StartsWith(Prefix, StringComparison.Ordinal))
            return null;
        Row? row;
        await using (var connection = await db.OpenAsync(SqliteAccess.Read, ct))
            row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                $"SELECT {Columns} FROM api_tokens WHERE secret_hash = @Hash;", new { Hash = HashOf(secret) }, cancellationToken: ct));
        var now = Now();
        if (row is null || row.RevokedMs is not null || (row.ExpiresMs is { } expires && UnixMs.To(expires) <= now))
            return null;
        var token = row.ToToken();
        if (row.LastUsedMs is { } used && now - UnixMs.To(used) < LastUsedResolution)
            return token;
        await TouchAsync(row.Id, now, ct);
        return token with { LastUsed = now };
    }

    async Task TouchAsync(long id, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await using var connection = await db.OpenAsync(SqliteAccess.Write, ct);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE api_tokens SET last_used_ms = @Now WHERE id = @Id;",
                new { Id = id, Now = UnixMs.From(now) }, cancellationToken: ct));
        }
        catch (SchemaTooNewException)
        {
            // A console from an older BE only reads a newer database; its tokens still work, their
            // last-used time is just not kept while it runs.
        }
    }

    static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    DateTimeOffset Now() => UnixMs.To(UnixMs.From(_clock.GetUtcNow()));

    sealed class Row
    {
        public long Id { get; init; }
        public string Name { get; init; } = "";
        public string Role { get; init; } = "";
        public long CreatedMs { get; init; }
        public string CreatedBy { get; init; } = "";
        public long? ExpiresMs { get; init; }
        public long? RevokedMs { get; init; }
        public long? LastUsedMs { get; init; }

        public ApiToken ToToken() => new()
        {
            Name = Name,
            Role = AccountRules.ParseRole(Role),
            Created = UnixMs.To(CreatedMs),
            CreatedBy = CreatedBy,
            Expires = ExpiresMs is { } e ? UnixMs.To(e) : null,
            Revoked = RevokedMs is { } r ? UnixMs.To(r) : null,
            LastUsed = LastUsedMs is { } u ? UnixMs.To(u) : null,
        };
    }
}
