namespace SnapUpgrade.Web.Live;

/// <summary>
/// The browser a console circuit serves, as the page request that started it saw it. An interactive
/// circuit has no HttpContext, so <c>App.razor</c> reads the address then, and <c>Routes.razor</c>
/// cascades it to every page for the audit trail's source column.
/// </summary>
public sealed record ConsoleClient(string? Address);
