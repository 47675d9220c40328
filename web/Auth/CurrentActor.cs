using Microsoft.AspNetCore.Components.Authorization;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Web.Auth;

/// <summary>
/// The signed-in user of one console circuit as the audit trail names them: the source is "console"
/// and the browser's address (the API's rows carry the address alone). Scoped: one per circuit, read
/// afresh at each call, so a role changed by an admin counts at once.
/// </summary>
public sealed class CurrentActor(AuthenticationStateProvider authentication)
{
    /// <summary>
    /// The browser's address as the page request that started the circuit saw it. An interactive circuit
    /// has no HttpContext, so <c>App.razor</c> reads it then and <c>Routes.razor</c> sets it here.
    /// </summary>
    public string? ClientAddress { get; set; }

    /// <summary>The signed-in user; null when not signed in.</summary>
    public async Task<Actor?> GetAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        return ConsoleClaims.ActorOf(user, ClientAddress is { Length: > 0 } address ? $"console {address}" : "console");
    }
}
