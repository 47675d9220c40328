using System.Security.Claims;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Web.Auth;

/// <summary>The claims of a signed-in user or token: name, role (lower-case) and how it signed in.</summary>
public static class ConsoleClaims
{
    public const string AuthMethod = "snapupgrade:auth_method";
    public const string Password = "password";
    public const string Token = "token";
    /// <summary>The account's <see cref="UserAccount.SessionStamp"/> at sign-in: a password change ends the session.</summary>
    public const string SessionStamp = "snapupgrade:session_stamp";

    public static ClaimsPrincipal Principal(string name, Role role, string method, string scheme, string? sessionStamp = null) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, Roles.Name(role)), new Claim(AuthMethod, method),
                .. sessionStamp is null ? Array.Empty<Claim>() : [new Claim(SessionStamp, sessionStamp)],
            ],
            scheme, ClaimTypes.Name, ClaimTypes.Role));

    public static Role? RoleOf(ClaimsPrincipal user) =>
        Roles.TryParse(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : null;

    /// <summary>Who acts, for the audit trail: name, role and the remote address. Null when not signed in.</summary>
    public static Actor? ActorOf(HttpContext http) => ActorOf(http.User, http.Connection.RemoteIpAddress?.ToString());

    /// <summary>Who acts, for the audit trail: name, role and where from (the source column). Null when not signed in.</summary>
    public static Actor? ActorOf(ClaimsPrincipal user, string? source) =>
        user.Identity is { IsAuthenticated: true, Name: { } name } && RoleOf(user) is { } role ? new Actor(name, role, source) : null;
}
