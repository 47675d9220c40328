using System.Text.RegularExpressions;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>Reads the server-rendered login form: its antiforgery token and its inputs' names.</summary>
public static partial class LoginForm
{
    public static string Antiforgery(string form) =>
        AntiforgeryField().Match(form) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no antiforgery token in the login form");

    public static string FieldName(string form, string id) =>
        Regex.Match(form, $"""<input[^>]*id="{id}"[^>]*name="([^"]+)"|<input[^>]*name="([^"]+)"[^>]*id="{id}" """.TrimEnd()) is { Success: true } m
            ? (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            : throw new InvalidOperationException($"no input #{id} in the login form");

    [GeneratedRegex("""name="__RequestVerificationToken" value="([^"]+)" """)]
    private static partial Regex AntiforgeryField();
}
