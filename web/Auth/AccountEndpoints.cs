using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SnapUpgrade.Web.Auth;

/// <summary>POST /logout (a form with an antiforgery token); the login is the static page /login.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app) =>
        app.MapPost("/logout", LogoutAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

    private static async Task<Results<RedirectHttpResult, BadRequest>> LogoutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        // Checked here, not by the middleware: that one only marks a bad token, the endpoint must refuse.
        if (!await antiforgery.IsRequestValidAsync(http)) return TypedResults.BadRequest();
        await http.SignOutAsync(AuthExtensions.Cookie);
        return TypedResults.LocalRedirect("~/login");
    }
}
