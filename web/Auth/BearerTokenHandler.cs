using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Web.Auth;

/// <summary><c>Authorization: Bearer su_...</c>: an API token, checked by <see cref="ITokens"/> on every request.</summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ITokens tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string Name = "Bearer";
    private const string Prefix = "Bearer ";

    public static bool HasBearer(HttpRequest request) =>
        request.Headers.Authorization.ToString().StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var secret = header[Prefix.Length..].Trim();
        // The failure message never repeats the secret: it goes to the log.
        if (secret.Length == 0) return AuthenticateResult.Fail("The bearer token is empty.");
        if (await tokens.ValidateAsync(secret, Context.RequestAborted) is not { } token)
            return AuthenticateResult.Fail("The bearer token is unknown, revoked or expired.");
        var principal = ConsoleClaims.Principal(token.Name, token.Role, ConsoleClaims.Token, Name);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
