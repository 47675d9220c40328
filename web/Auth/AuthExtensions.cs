using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Web.Api;

namespace SnapUpgrade.Web.Auth;

public static class AuthExtensions
{
    /// <summary>
    /// Cookie or bearer: the token when an <c>Authorization: Bearer</c> header is present, else the
    /// cookie, except on a changing API call (POST, DELETE...), which takes a bearer token only: a
    /// browser adds the cookie to a same-site page's form or fetch by itself, never the token (ADR 0011).
    /// </summary>
    public const string Scheme = "CookieOrBearer";
    public const string Cookie = CookieAuthenticationDefaults.AuthenticationScheme;

    public static void AddConsoleAuth(this IServiceCollection services)
    {
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Cookie or bearer token", o =>
                o.ForwardDefaultSelector = http =>
                    BearerTokenHandler.HasBearer(http.Request) || IsChangingApiCall(http.Request) ? BearerTokenHandler.Name : Cookie)
            .AddCookie(Cookie, o =>
            {
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/access-denied";
                o.Cookie.Name = "snapupgrade";
                o.Cookie.HttpOnly = true;
                // Strict: another site's page never sends it. A page on another port of this host is the
                // same site and does: forms check antiforgery tokens, changing API calls take bearer tokens only.
                o.Cookie.SameSite = SameSiteMode.Strict;
                // Secure when the request is HTTPS, also behind a TLS proxy (TrustedProxies): a plain
                // http://127.0.0.1 console still signs in, and an HTTPS one never sends it in clear.
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events = new CookieAuthenticationEvents
                {
                    OnRedirectToLogin = ctx => ApiStatusOrRedirect(ctx, StatusCodes.Status401Unauthorized),
                    OnRedirectToAccessDenied = ctx => ApiStatusOrRedirect(ctx, StatusCodes.Status403Forbidden),
                    OnValidatePrincipal = ValidateAccountAsync,
                };
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.Name, null);

        // The antiforgery cookie's default is never Secure: the same rule as the sign-in cookie.
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        string[] all = [.. Enum.GetValues<Role>().Select(Roles.Name)];
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Viewer, p => p.RequireAuthenticatedUser().RequireRole(all))
            .AddPolicy(Policies.Operate, p => p.RequireAuthenticatedUser().RequireRole(Roles.Name(Role.Admin), Roles.Name(Role.Operator)))
            .AddPolicy(Policies.Admin, p => p.RequireAuthenticatedUser().RequireRole(Roles.Name(Role.Admin)));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, AccountRevalidation>();
    }

    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    public static bool IsChangingApiCall(HttpRequest request) => IsApi(request) && !JsonBodiesOnly.IsSafe(request.Method);

    /// <summary>/api answers 401/403; pages go to the login (or access denied) page.</summary>
    private static Task ApiStatusOrRedirect(RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (IsApi(ctx.Request)) ctx.Response.StatusCode = status;
        else ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>A removed account, or one whose role changed, loses its cookie at the next request.</summary>
    private static async Task ValidateAccountAsync(CookieValidatePrincipalContext ctx)
    {
        var accounts = ctx.HttpContext.RequestServices.GetRequiredService<IAccounts>();
        if (await AccountRevalidation.StillValidAsync(accounts, ctx.Principal, ctx.HttpContext.RequestAborted)) return;
        ctx.RejectPrincipal();
        await ctx.HttpContext.SignOutAsync(Cookie);
    }
}
