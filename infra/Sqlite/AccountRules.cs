using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>Names and passwords as the account and token stores accept them.</summary>
static partial class AccountRules
{
    public const int MinPasswordLength = 12;
    // PBKDF2 hashes long input cheaply, but nobody needs more and a bound keeps request bodies honest.
    public const int MaxPasswordLength = 1024;

    /// <summary>1-64 of [A-Za-z0-9._-], not starting with '-' (an option to the admin commands) or '.'.</summary>
    public static string CheckName(string? name, string what)
    {
        if (name is null || !NamePattern().IsMatch(name))
            throw new AccountException($"'{name}' is not a valid {what} name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-' or '.'.");
        return name;
    }

    public static void CheckPassword(string? password)
    {
        if (password is null || password.Length < MinPasswordLength)
            throw new AccountException($"The password is too short: use at least {MinPasswordLength} characters.");
        if (password.Length > MaxPasswordLength)
            throw new AccountException($"The password is too long: use at most {MaxPasswordLength} characters.");
    }

    public static Role ParseRole(string stored) =>
        Roles.TryParse(stored, out var role) ? role : throw new InvalidDataException($"Unknown role '{stored}' in the database.");

    public static bool IsUniqueViolation(SqliteException e) =>
        e.SqliteErrorCode == 19 && e.Message.Contains("UNIQUE", StringComparison.OrdinalIgnoreCase); // SQLITE_CONSTRAINT

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
