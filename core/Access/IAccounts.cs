namespace SnapUpgrade.Core.Access;

/// <summary>Local user accounts (SQLite). Passwords are only ever stored as a strong hash.</summary>
public interface IAccounts
{
    Task<IReadOnlyList<UserAccount>> ListAsync(CancellationToken ct = default);
    Task<UserAccount?> FindAsync(string name, CancellationToken ct = default);
    /// <summary>Throws <see cref="AccountException"/> when the name is taken or invalid, or the password too weak.</summary>
    Task<UserAccount> AddAsync(string name, Role role, string password, CancellationToken ct = default);
    Task SetPasswordAsync(string name, string password, CancellationToken ct = default);
    Task<bool> RemoveAsync(string name, CancellationToken ct = default);
    /// <summary>Checks a password; counts failures and locks the account out after too many.</summary>
    Task<SignInResult> SignInAsync(string name, string password, CancellationToken ct = default);
}

public sealed record UserAccount
{
    public required string Name { get; init; }
    public required Role Role { get; init; }
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? LockedUntil { get; init; }
    public int FailedAttempts { get; init; }
    /// <summary>
    /// Changes whenever the password does; a sign-in carries the one it was made with, so a password
    /// reset ends the sessions made before it. Set by <see cref="IAccounts.FindAsync"/> and sign-in,
    /// not by listing.
    /// </summary>
    public string? SessionStamp { get; init; }
}

public enum SignInStatus { Succeeded, Failed, LockedOut }

public sealed record SignInResult(SignInStatus Status, UserAccount? User, DateTimeOffset? LockedUntil = null);

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

/// <summary>An expected refusal from the account or token store, with a message for the person.</summary>
public sealed class AccountException(string message) : Exception(message);
