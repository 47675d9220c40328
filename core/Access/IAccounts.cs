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

/// <summary>An expected refusal from the account or token store, with a message for the person.</summary>
public sealed class AccountException(string message) : Exception(message);
