using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Web.Auth;

/// <summary>
/// An open console (a Blazor circuit) makes no HTTP requests, so the cookie check alone would let a
/// removed account, one whose role changed or one whose password was reset, go on acting until the
/// next page load. This checks
/// the account again every <see cref="Interval"/>; when it fails, the circuit's user becomes
/// anonymous and the page goes to the login page (whose request then drops the cookie).
/// </summary>
public sealed class AccountRevalidation(ILoggerFactory loggers, IServiceScopeFactory scopes)
    : RevalidatingServerAuthenticationStateProvider(loggers)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override TimeSpan RevalidationInterval => Interval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        IsStillValidAsync(authenticationState, cancellationToken);

    /// <summary>What the timer asks every <see cref="Interval"/>, with the accounts of a fresh scope.</summary>
    public async Task<bool> IsStillValidAsync(AuthenticationState state, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await StillValidAsync(scope.ServiceProvider.GetRequiredService<IAccounts>(), state.User, ct);
    }

    /// <summary>
    /// The one rule for cookies and circuits: the account still exists, with the role the sign-in
    /// carries, and its password has not changed since (the session stamp).
    /// </summary>
    public static async Task<bool> StillValidAsync(IAccounts accounts, ClaimsPrincipal? user, CancellationToken ct)
    {
        if (user?.Identity is not { IsAuthenticated: true, Name: { } name }) return false;
        var account = await accounts.FindAsync(name, ct);
        if (account is null || ConsoleClaims.RoleOf(user) != account.Role) return false;
        var stamp = user.FindFirst(ConsoleClaims.SessionStamp)?.Value;
        return stamp is null || account.SessionStamp is null || stamp == account.SessionStamp;
    }
}
