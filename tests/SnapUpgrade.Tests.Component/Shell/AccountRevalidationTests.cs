using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Tests.Component.Admin;
using SnapUpgrade.Web.Auth;
using Xunit;

namespace SnapUpgrade.Tests.Component.Shell;

/// <summary>An open console re-checks its account: removed or re-roled users lose the circuit's sign-in.</summary>
public sealed class AccountRevalidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("bob", Role.Operator, true)]   // as signed in
    [InlineData("bob", Role.Admin, false)]     // the role changed since (here: the sign-in claims more)
    [InlineData("gone", Role.Operator, false)] // removed
    public async Task StillValid_AccountAndRole_MustBothStillMatch(string name, Role claimedRole, bool expected)
    {
        var accounts = new FakeAccounts();
        await accounts.AddAsync("bob", Role.Operator, "a long enough password", Ct);

        Assert.Equal(expected, await AccountRevalidation.StillValidAsync(accounts, User(name, claimedRole), Ct));
    }

    [Fact]
    public async Task StillValid_PasswordChangedSinceTheSignIn_IsFalse()
    {
        var accounts = new FakeAccounts();
        accounts.Users.Add(new UserAccount { Name = "bob", Role = Role.Operator, SessionStamp = "after-reset" });

        Assert.False(await AccountRevalidation.StillValidAsync(accounts,
            ConsoleClaims.Principal("bob", Role.Operator, "password", "test", sessionStamp: "before-reset"), Ct));
        Assert.True(await AccountRevalidation.StillValidAsync(accounts,
            ConsoleClaims.Principal("bob", Role.Operator, "password", "test", sessionStamp: "after-reset"), Ct));
    }

    [Fact]
    public async Task StillValid_NotSignedIn_IsFalse() =>
        Assert.False(await AccountRevalidation.StillValidAsync(new FakeAccounts(), new ClaimsPrincipal(new ClaimsIdentity()), Ct));

    [Fact]
    public async Task Provider_AccountRemovedWhileTheCircuitIsOpen_IsNoLongerValid()
    {
        var accounts = new FakeAccounts();
        await accounts.AddAsync("bob", Role.Operator, "a long enough password", Ct);
        var services = new ServiceCollection().AddSingleton<IAccounts>(accounts).BuildServiceProvider();
        using var provider = new AccountRevalidation(NullLoggerFactory.Instance, services.GetRequiredService<IServiceScopeFactory>());
        var state = new AuthenticationState(User("bob", Role.Operator));

        Assert.True(await provider.IsStillValidAsync(state, Ct));
        await accounts.RemoveAsync("bob", Ct);
        Assert.False(await provider.IsStillValidAsync(state, Ct));
    }

    private static ClaimsPrincipal User(string name, Role role) => ConsoleClaims.Principal(name, role, "cookie", "test");
}
