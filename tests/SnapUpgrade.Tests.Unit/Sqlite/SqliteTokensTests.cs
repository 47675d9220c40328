using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

public sealed class SqliteTokensTests : IDisposable
{
    readonly TempDir _dir = new();
    readonly FakeClock _clock = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    string DbPath => _dir.Combine("tokens.db");

    SqliteTokens NewTokens() => new(new SqliteDatabase(DbPath), _clock);

    [Fact]
    public async Task Create_ReturnsTheSecretOnce_StoresOnlyItsHash()
    {
        var tokens = NewTokens();

        var (secret, token) = await tokens.CreateAsync("ci", Role.Operator, null, "admin", Ct);

        Assert.Matches("^su_[A-Za-z0-9_-]{43}$", secret);
        Assert.Equal(("ci", Role.Operator, "admin", _clock.GetUtcNow()), (token.Name, token.Role, token.CreatedBy, token.Created));
        await using var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        var dump = string.Join("|", await raw.QueryAsync<string>(
            "SELECT name || role || secret_hash || created_by || ifnull(expires_ms, '') FROM api_tokens;"));
        Assert.DoesNotContain(secret, dump, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[3..], dump, StringComparison.Ordinal);
        var listed = Assert.Single(await tokens.ListAsync(Ct));
        Assert.Equal("ci", listed.Name);
    }

    [Fact]
    public async Task Create_TwoTokens_DifferentSecrets_NamesUnique()
    {
        var tokens = NewTokens();

        var (a, _) = await tokens.CreateAsync("a", Role.Auditor, null, "admin", Ct);
        var (b, _) = await tokens.CreateAsync("b", Role.Auditor, null, "admin", Ct);

        Assert.NotEqual(a, b);
        await Assert.ThrowsAsync<AccountException>(() => tokens.CreateAsync("A", Role.Admin, null, "admin", Ct));
        await Assert.ThrowsAsync<AccountException>(() => tokens.CreateAsync("-x", Role.Admin, null, "admin", Ct));
        await Assert.ThrowsAsync<AccountException>(
            () => tokens.CreateAsync("old", Role.Admin, _clock.GetUtcNow().AddSeconds(-1), "admin", Ct));
    }

    [Fact]
    public async Task Validate_GoodSecret_ReturnsTheTokenAndNotesTheUse()
    {
        var tokens = NewTokens();
        var (secret, _) = await tokens.CreateAsync("ci", Role.Operator, null, "admin", Ct);

        var valid = await tokens.ValidateAsync(secret, Ct);

        Assert.Equal(("ci", Role.Operator), (valid!.Name, valid.Role));
        Assert.Equal(_clock.GetUtcNow(), Assert.Single(await tokens.ListAsync(Ct)).LastUsed);
    }

    [Fact]
    public async Task Validate_LastUsed_RefreshedAtMostOncePerMinute()
    {
        var tokens = NewTokens();
        var (secret, _) = await tokens.CreateAsync("ci", Role.Operator, null, "admin", Ct);
        var first = _clock.GetUtcNow();
        await tokens.ValidateAsync(secret, Ct);

        _clock.Advance(TimeSpan.FromSeconds(30));
        await tokens.ValidateAsync(secret, Ct);
        var afterHalfAMinute = Assert.Single(await tokens.ListAsync(Ct)).LastUsed;
        _clock.Advance(TimeSpan.FromSeconds(31));
        await tokens.ValidateAsync(secret, Ct);

        Assert.Equal(first, afterHalfAMinute);
        Assert.Equal(_clock.GetUtcNow(), Assert.Single(await tokens.ListAsync(Ct)).LastUsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("su_")]
    [InlineData("not a token at all")]
    [InlineData("su_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Validate_UnknownOrMalformed_Null(string secret)
    {
        var tokens = NewTokens();
        await tokens.CreateAsync("ci", Role.Operator, null, "admin", Ct);

        Assert.Null(await tokens.ValidateAsync(secret, Ct));
    }

    [Fact]
    public async Task Validate_Revoked_Null()
    {
        var tokens = NewTokens();
        var (secret, _) = await tokens.CreateAsync("ci", Role.Operator, null, "admin", Ct);

        Assert.True(await tokens.RevokeAsync("ci", Ct));

        Assert.Null(await tokens.ValidateAsync(secret, Ct));
        Assert.False(await tokens.RevokeAsync("ci", Ct));
        Assert.False(await tokens.RevokeAsync("nosuch", Ct));
        Assert.Equal(_clock.GetUtcNow(), Assert.Single(await tokens.ListAsync(Ct)).Revoked);
    }

    [Fact]
    public async Task Validate_Expired_Null()
    {
        var tokens = NewTokens();
        var (secret, token) = await tokens.CreateAsync("ci", Role.Operator, _clock.GetUtcNow().AddHours(1), "admin", Ct);
        Assert.NotNull(await tokens.ValidateAsync(secret, Ct));

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Null(await tokens.ValidateAsync(secret, Ct));
        Assert.Equal(token.Expires, Assert.Single(await tokens.ListAsync(Ct)).Expires);
    }
}
