namespace SnapUpgrade.Core.Access;

/// <summary>API tokens: shown once at creation, stored hashed, each with a name, role and optional expiry.</summary>
public interface ITokens
{
    /// <summary>Returns the secret (the only time it exists in clear) and the stored record.</summary>
    Task<(string Secret, ApiToken Token)> CreateAsync(string name, Role role, DateTimeOffset? expires, string createdBy, CancellationToken ct = default);
    Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken ct = default);
    Task<bool> RevokeAsync(string name, CancellationToken ct = default);
    /// <summary>The token's record when the secret is valid, not revoked and not expired; else null.</summary>
    Task<ApiToken?> ValidateAsync(string secret, CancellationToken ct = default);
}

public sealed record ApiToken
{
    public required string Name { get; init; }
    public required Role Role { get; init; }
    public DateTimeOffset Created { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTimeOffset? Expires { get; init; }
    public DateTimeOffset? Revoked { get; init; }
    public DateTimeOffset? LastUsed { get; init; }
}
