using System.Security.Cryptography;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// Accounts for a console started with none: never a built-in password, but a random one, written
/// to <see cref="PasswordFile"/> (mode 0600 from its creation, lines of <c>name:password</c>) and
/// returned so the caller logs it once.
/// </summary>
public static class FirstStart
{
    public const string PasswordFileName = "initial-admin-password";
    public const string AdminName = "admin";
    // No look-alikes (0/O, 1/l/I) and nothing a shell or CSV would treat specially:
    // 20 of 55 characters are about 115 bits.
    const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    const int PasswordLength = 20;

    public static string PasswordFile(string dataDir) => Path.Combine(dataDir, PasswordFileName);

    /// <summary>Creates <c>admin</c> when there are no accounts; returns its password, or null when accounts exist.</summary>
    public static async Task<string?> EnsureAdminAsync(IAccounts accounts, string dataDir, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        if ((await accounts.ListAsync(ct)).Count > 0)
            return null;
        var password = NewPassword();
        try
        {
            await accounts.AddAsync(AdminName, Role.Admin, password, ct);
        }
        catch (AccountException)
        {
            // Another console on the same file got there first; its file holds the password.
            if (await accounts.FindAsync(AdminName, ct) is not null)
                return null;
            throw;
        }
        await WriteAsync(dataDir, $"{AdminName}:{password}\n", FileMode.Create, ct);
        return password;
    }

    /// <summary>
    /// The simulated demo's <c>operator</c> and <c>auditor</c>, each created when missing, with random
    /// passwords appended to the same file. Returns the accounts created now (name and password).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnsureDemoAccountsAsync(IAccounts accounts, string dataDir, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var created = new Dictionary<string, string>();
        foreach (var (name, role) in new[] { ("operator", Role.Operator), ("auditor", Role.Auditor) })
        {
            if (await accounts.FindAsync(name, ct) is not null)
                continue;
            var password = NewPassword();
            await accounts.AddAsync(name, role, password, ct);
            await WriteAsync(dataDir, $"{name}:{password}\n", FileMode.Append, ct);
            created[name] = password;
        }
        return created;
    }

    static string NewPassword() => RandomNumberGenerator.GetString(Alphabet, PasswordLength);

    static async Task WriteAsync(string dataDir, string text, FileMode mode, CancellationToken ct)
    {
        Composition.PrivateFiles.Directory(dataDir);
        var path = PasswordFile(dataDir);
        // UnixCreateMode only applies to a new file, so a stale one (from an earlier database) is
        // replaced, not rewritten under whatever mode it had.
        if (mode == FileMode.Create)
            File.Delete(path);
        await using var file = new StreamWriter(path, Composition.PrivateFiles.Create(mode, FileAccess.Write, FileShare.Read));
        await file.WriteAsync(text.AsMemory(), ct);
    }
}
