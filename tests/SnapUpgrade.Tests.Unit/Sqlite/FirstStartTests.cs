using System.Runtime.Versioning;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

[UnsupportedOSPlatform("windows")] // file modes; the console runs on Linux
public sealed class FirstStartTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    string DataDir => _dir.Combine("data");

    SqliteAccounts NewAccounts() => new(SqliteDatabase.InDataDir(DataDir));

    [Fact]
    public async Task EnsureAdmin_NoAccounts_CreatesAdminOnceWithAnOwnerOnlyFile()
    {
        var accounts = NewAccounts();

        var password = await FirstStart.EnsureAdminAsync(accounts, DataDir, Ct);
        var second = await FirstStart.EnsureAdminAsync(accounts, DataDir, Ct);

        Assert.NotNull(password);
        Assert.True(password.Length >= 20);
        Assert.Null(second);
        var file = FirstStart.PasswordFile(DataDir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal($"admin:{password}\n", await File.ReadAllTextAsync(file, Ct));
        var admin = Assert.Single(await accounts.ListAsync(Ct));
        Assert.Equal(("admin", Role.Admin), (admin.Name, admin.Role));
        Assert.Equal(SignInStatus.Succeeded, (await accounts.SignInAsync("admin", password, Ct)).Status);
    }

    [Fact]
    public async Task EnsureAdmin_TwoDatabases_TwoDifferentPasswords()
    {
        var first = await FirstStart.EnsureAdminAsync(NewAccounts(), DataDir, Ct);
        var other = new SqliteAccounts(new SqliteDatabase(_dir.Combine("other", "x.db")));

        var second = await FirstStart.EnsureAdminAsync(other, _dir.Combine("other"), Ct);

        Assert.NotEqual(first, second); // random, never a built-in default
    }

    [Fact]
    public async Task EnsureAdmin_StaleFileWithWideMode_ReplacedByAnOwnerOnlyOne()
    {
        Directory.CreateDirectory(DataDir);
        var file = FirstStart.PasswordFile(DataDir);
        await File.WriteAllTextAsync(file, "admin:old\n", Ct);
        File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100); // 0644

        var password = await FirstStart.EnsureAdminAsync(NewAccounts(), DataDir, Ct);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal($"admin:{password}\n", await File.ReadAllTextAsync(file, Ct));
    }

    [Fact]
    public async Task EnsureAdmin_AccountsExist_NothingCreatedNoFile()
    {
        var accounts = NewAccounts();
        await accounts.AddAsync("alice", Role.Admin, "a long enough password", Ct);

        Assert.Null(await FirstStart.EnsureAdminAsync(accounts, DataDir, Ct));

        Assert.Null(await accounts.FindAsync("admin", Ct));
        Assert.False(File.Exists(FirstStart.PasswordFile(DataDir)));
    }

    [Fact]
    public async Task EnsureDemoAccounts_CreatesOperatorAndAuditorOnce_AppendedToTheFile()
    {
        var accounts = NewAccounts();
        var admin = await FirstStart.EnsureAdminAsync(accounts, DataDir, Ct);

        var created = await FirstStart.EnsureDemoAccountsAsync(accounts, DataDir, Ct);
        var again = await FirstStart.EnsureDemoAccountsAsync(accounts, DataDir, Ct);

        Assert.Equal(["auditor", "operator"], created.Keys.Order());
        Assert.Empty(again);
        Assert.Equal(Role.Operator, (await accounts.FindAsync("operator", Ct))!.Role);
        Assert.Equal(Role.Auditor, (await accounts.FindAsync("auditor", Ct))!.Role);
        Assert.Equal(SignInStatus.Succeeded, (await accounts.SignInAsync("auditor", created["auditor"], Ct)).Status);
        var file = FirstStart.PasswordFile(DataDir);
        Assert.Equal($"admin:{admin}\noperator:{created["operator"]}\nauditor:{created["auditor"]}\n",
            await File.ReadAllTextAsync(file, Ct));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }
}
