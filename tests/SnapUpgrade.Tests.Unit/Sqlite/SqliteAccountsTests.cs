using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteAccountsTests : IDisposable
{
    const string Password = "correct horse battery";
    readonly TempDir _dir = new();
    readonly FakeClock _clock = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("accounts.db");

    SqliteAccounts NewAccounts() => new(new SqliteDatabase(DbPath), _clock);

    [Fact]
    public async Task Add_ThenListAndFind_WithoutThePassword()
    {
        var accounts = NewAccounts();

        await accounts.AddAsync("bob", Role.Operator, Password, Ct);
        await accounts.AddAsync("admin", Role.Admin, Password + "!", Ct);

        Assert.Equal(["admin", "bob"], (await accounts.ListAsync(Ct)).Select(a => a.Name));
        var bob = await accounts.FindAsync("BOB", Ct); // names are case-insensitive
        Assert.Equal(("bob", Role.Operator, _clock.GetUtcNow()), (bob!.Name, bob.Role, bob.Created));
        await using var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        var stored = await raw.ExecuteScalarAsync<string>("SELECT password_hash FROM users WHERE name = 'bob';");
        Assert.DoesNotContain(Password, stored, StringComparison.Ordinal);
        Assert.StartsWith("AQAAAA", stored, StringComparison.Ordinal); // Identity's v3 format marker (0x01)
    }

    [Theory]
    [InlineData("")]
    [InlineData("-rf")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public async Task Add_InvalidName_Refused(string name) =>
        await Assert.ThrowsAsync<AccountException>(() => NewAccounts().AddAsync(name, Role.Auditor, Password, Ct));

    [Fact]
    public async Task SessionStamp_SameUntilThePasswordChanges_AndSignInCarriesIt()
    {
        var accounts = NewAccounts();
        await accounts.AddAsync("alice", Role.Operator, Password, Ct);
        var before = (await accounts.FindAsync("alice", Ct))!.SessionStamp;
        var signedIn = await accounts.SignInAsync("alice", Password, Ct);

        Assert.NotNull(before);
        Assert.Equal(before, (await accounts.FindAsync("alice", Ct))!.SessionStamp);
        Assert.Equal(before, signedIn.User!.SessionStamp);

        await accounts.SetPasswordAsync("alice", Password + " again", Ct);

        Assert.NotEqual(before, (await accounts.FindAsync("alice", Ct))!.SessionStamp);
    }

    [Fact]
    public async Task Add_NameTooLongOrTaken_Refused()
    {
        var accounts = NewAccounts();
        await accounts.AddAsync(new string('a', 64), Role.Auditor, Password, Ct);

        await Assert.ThrowsAsync<AccountException>(() => accounts.AddAsync(new string('b', 65), Role.Auditor, Password, Ct));
        var taken = await Assert.ThrowsAsync<AccountException>(() => accounts.AddAsync(new string('A', 64), Role.Admin, Password, Ct));
        Assert.Contains("already exists", taken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_PasswordShorterThan12_Refused()
    {
        var accounts = NewAccounts();

        var e = await Assert.ThrowsAsync<AccountException>(() => accounts.AddAsync("bob", Role.Operator, "elevenchars", Ct));

        Assert.Contains("12", e.Message, StringComparison.Ordinal);
        Assert.Null(await accounts.FindAsync("bob", Ct));
    }

    [Fact]
    public async Task SignIn_RightAndWrongPasswordAndUnknownName()
    {
        var accounts = NewAccounts();
        await accounts.AddAsync("bob", Role.Operator, Password, Ct);

        var ok = await accounts.SignInAsync("bob", Password, Ct);
        var wrong = await accounts.SignInAsync("bob", Password + "x", Ct);
        var unknown = await accounts.SignInAsync("nobody", Password, Ct);

        Assert.Equal((SignInStatus.Succeeded, "bob", Role.Operator), (ok.Status, ok.User!.Name, ok.User.Role));
        Assert.Equal((SignInStatus.Failed, null), (wrong.Status, wrong.User));
        Assert.Equal((SignInStatus.Failed, null), (unknown.Status, unknown.User));
        Assert.Equal(1, (await accounts.FindAsync("bob", Ct))!.FailedAttempts);
    }

    [Fact]
    public async Task SignIn_FiveFailures_LockOutFor15MinutesEvenWithTheRightPassword()
    {
        var accounts = NewAccounts();
        await accounts.AddAsync("bob", Role.Operator, Password, Ct);

        var results = new List<SignInResult>();
        for (var i = 0; i < 5; i++)
            results.Add(await accounts.SignInAsync("bob", "wrong password " + i, Ct));
        var whileLocked = await accounts.SignInAsync("bob", Password, Ct);
        _clock.Advance(TimeSpan.FromMinutes(14));
        var stillLocked = await accounts.SignInAsync("bob", Password, Ct);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var after = await accounts.SignInAsync("bob", Password, Ct);

        Assert.All(results.Take(4), r => Assert.Equal(SignInStatus.Failed, r.Status));
        Assert.Equal(SignInStatus.LockedOut, results[4].Status);
        Assert.Equal(new FakeClock().GetUtcNow().AddMinutes(15), results[4].LockedUntil);
        Assert.Equal(SignInStatus.LockedOut, whileLocked.Status);
        Assert.Equal(SignInStatus.LockedOut, stillLocked.Status);
        Assert.Equal(SignInStatus.Succeeded, after.Status);
    }

    [Fact]
    public async Task SignIn_Success_ResetsTheFailureCount()
    {
        var accounts = new SqliteAccounts(new SqliteDatabase(DbPath), _clock, maxFailedAttempts: 3, lockout: TimeSpan.FromMinutes(1));
        await accounts.AddAsync("bob", Role.Operator, Password, Ct);

        await accounts.SignInAsync("bob", "wrong password 1", Ct);
        await accounts.SignInAsync("bob", "wrong password 2", Ct);
        await accounts.SignInAsync("bob", Password, Ct);
        var again = await accounts.SignInAsync("bob", "wrong password 3", Ct);

        Assert.Equal(SignInStatus.Failed, again.Status); // 1 of 3 since the success, not 3 of 3
        Assert.Equal(1, (await accounts.FindAsync("bob", Ct))!.FailedAttempts);
    }

    [Fact]
    public async Task SetPassword_ChangesItAndLiftsALockout()
    {
        var accounts = new SqliteAccounts(new SqliteDatabase(DbPath), _clock, maxFailedAttempts: 1);
        await accounts.AddAsync("bob", Role.Operator, Password, Ct);
        Assert.Equal(SignInStatus.LockedOut, (await accounts.SignInAsync("bob", "wrong password!", Ct)).Status);

        await accounts.SetPasswordAsync("bob", "a new password here", Ct);

        Assert.Equal(SignInStatus.Succeeded, (await accounts.SignInAsync("bob", "a new password here", Ct)).Status);
        // the old password is wrong now: with a limit of 1 that locks the account again
        Assert.Equal(SignInStatus.LockedOut, (await accounts.SignInAsync("bob", Password, Ct)).Status);
        await Assert.ThrowsAsync<AccountException>(() => accounts.SetPasswordAsync("bob", "short", Ct));
        await Assert.ThrowsAsync<AccountException>(() => accounts.SetPasswordAsync("nobody", "long enough password", Ct));
    }

    [Fact]
    public async Task Remove_LastAdminRefused_OthersRemoved()
    {
        var accounts = NewAccounts();
        await accounts.AddAsync("root1", Role.Admin, Password, Ct);
        await accounts.AddAsync("bob", Role.Operator, Password, Ct);

        var refused = await Assert.ThrowsAsync<AccountException>(() => accounts.RemoveAsync("root1", Ct));
        Assert.Contains("last admin", refused.Message, StringComparison.Ordinal);
        Assert.True(await accounts.RemoveAsync("bob", Ct));
        Assert.False(await accounts.RemoveAsync("bob", Ct));
        await accounts.AddAsync("root2", Role.Admin, Password, Ct);
        Assert.True(await accounts.RemoveAsync("root1", Ct));
        Assert.Equal(["root2"], (await accounts.ListAsync(Ct)).Select(a => a.Name));
    }
}
