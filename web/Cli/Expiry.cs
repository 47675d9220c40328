using System.Globalization;
using System.Text.RegularExpressions;

namespace SnapUpgrade.Web.Cli;

/// <summary><c>--expires</c>: an ISO date or time (UTC unless it says otherwise), or a span from now: 30d, 12h, 2w.</summary>
public static partial class Expiry
{
    public static bool TryParse(string text, DateTimeOffset now, out DateTimeOffset expires)
    {
        expires = default;
        if (Span().Match(text) is { Success: true } m && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            expires = now + m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromDays(7 * n),
            };
            return true;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out expires) && expires > now;
    }

    [GeneratedRegex("^([0-9]{1,5})([hdw])$")]
    private static partial Regex Span();
}
