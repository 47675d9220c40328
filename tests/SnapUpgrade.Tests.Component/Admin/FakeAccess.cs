using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Tests.Component.Admin;

/// <summary>In-memory users; a name taken or a short password is refused as the real store refuses it.</summary>
public sealed class FakeAccounts : IAccounts
{
    public List<UserAccount> Users { get; } = [];
    public Dictionary<string, string> Passwords { get; } = [];
    /// <summary>Names whose sign-in answers LockedOut, whatever the password.</summary>
    public HashSet<string> LockedOut { get; } = [];
    public Exception? ListFailure { get; set; }
    /// <summary>When set, listing waits for it (the loading state).</summary>
    public TaskCompletionSource? ListGate { get; set; }

    public async Task<IReadOnlyList<UserAccount>> ListAsync(CancellationToken ct = default)
    {
        if (ListGate is { } gate) await gate.Task.WaitAsync(ct);
        if (ListFailure is not null) throw ListFailure;
        return [.. Users];
    }

    public Task<UserAccount?> FindAsync(string name, CancellationToken ct = default) => Task.FromResult(Users.FirstOrDefault(u => u.Name == name));

    public Task<UserAccount> AddAsync(string name, Role role, string password, CancellationToken ct = default)
    {
        if (Users.Any(u => u.Name == name)) throw new AccountException($"The name {name} is taken.");
        if (password.Length < 12) throw new AccountException("The password is too short: at least 12 characters.");
        var user = new UserAccount { Name = name, Role = role, Created = DateTimeOffset.UtcNow };
        Users.Add(user);
        Passwords[name] = password;
        return Task.FromResult(user);
    }

    public Task SetPasswordAsync(string name, string password, CancellationToken ct = default)
    {
        Passwords[name] = password;
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(string name, CancellationToken ct = default) => Task.FromResult(Users.RemoveAll(u => u.Name == name) > 0);

    public Task<SignInResult> SignInAsync(string name, string password, CancellationToken ct = default)
    {
        var user = Users.FirstOrDefault(u => u.Name == name);
        if (user is not null && LockedOut.Contains(name))
            return Task.FromResult(new SignInResult(SignInStatus.LockedOut, null, DateTimeOffset.UtcNow.AddMinutes(15)));
        return Task.FromResult(user is not null && Passwords.TryGetValue(name, out var known) && known == password
            ? new SignInResult(SignInStatus.Succeeded, user)
            : new SignInResult(SignInStatus.Failed, null));
    }
}

public sealed class FakeTokens : ITokens
{
    public List<ApiToken> Tokens { get; } = [];
    public int SecretsMade { get; private set; }
    public Exception? ListFailure { get; set; }

    public Task<(string Secret, ApiToken Token)> CreateAsync(string name, Role role, DateTimeOffset? expires, string createdBy, CancellationToken ct = default)
    {
        var token = new ApiToken { Name = name, Role = role, Expires = expires, CreatedBy = createdBy, Created = DateTimeOffset.UtcNow };
        Tokens.Add(token);
        SecretsMade++;
        return Task.FromResult(($"su_secret_{SecretsMade}", token));
    }

    public Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken ct = default) =>
        ListFailure is not null ? Task.FromException<IReadOnlyList<ApiToken>>(ListFailure) : Task.FromResult<IReadOnlyList<ApiToken>>([.. Tokens]);

    public Task<bool> RevokeAsync(string name, CancellationToken ct = default)
    {
        var i = Tokens.FindIndex(t => t.Name == name && t.Revoked is null);
        if (i < 0) return Task.FromResult(false);
        Tokens[i] = Tokens[i] with { Revoked = DateTimeOffset.UtcNow };
        return Task.FromResult(true);
    }

    public Task<ApiToken?> ValidateAsync(string secret, CancellationToken ct = default) => throw new NotSupportedException();
}
