using System.Globalization;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Web.Cli;

/// <summary><c>token create|list|revoke</c>. <c>create</c> prints the secret alone on standard output.</summary>
public static class TokenCommands
{
    public const string Usage = """
        token create --role admin|operator|auditor --name <name> [--expires <ISO date> | 30d | 12h | 2w]
        token list
        token revoke <name>
        """;

    internal static async Task<int> RunAsync(string verb, CliArgs args, ITokens tokens, AdminCli.CliChanges changes, TimeProvider clock,
        CliConsole console, CancellationToken ct)
    {
        switch (verb, args.Positionals.Count)
        {
            case ("create", 0) when Roles.TryParse(args.Option("--role"), out var role) && args.Option("--name") is { } name:
            {
                DateTimeOffset? expires = null;
                if (args.Option("--expires") is { } text)
                {
                    if (!Expiry.TryParse(text, clock.GetUtcNow(), out var at))
                        return AdminCli.UsageError(console, $"--expires '{text}': use a future ISO date (2027-01-31) or a span (30d, 12h, 2w).");
                    expires = at;
                }
                var (secret, token) = await changes.RunAsync("token-create", name,
                    () => tokens.CreateAsync(name, role, expires, changes.Actor.Name, ct), ct);
                console.Error.WriteLine($"Created token {token.Name} ({Roles.Name(token.Role)})" +
                    (token.Expires is { } e ? $", expires {e.UtcDateTime:u}" : ", no expiry") + ". It is shown once:");
                console.Out.WriteLine(secret);
                return ExitCodes.Ok;
            }
            case ("list", 0):
                console.Out.WriteLine($"{"NAME",-24} {"ROLE",-9} {"CREATED",-20} {"EXPIRES",-20} {"REVOKED",-20} LAST USED");
                foreach (var t in await tokens.ListAsync(ct))
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{t.Name,-24} {Roles.Name(t.Role),-9} {Time(t.Created),-20} {Time(t.Expires),-20} {Time(t.Revoked),-20} {Time(t.LastUsed)}"));
                return ExitCodes.Ok;
            case ("revoke", 1):
                await changes.RunAsync("token-revoke", args.Positionals[0], async () =>
                {
                    if (!await tokens.RevokeAsync(args.Positionals[0], ct))
                        throw new AccountException($"There is no token '{args.Positionals[0]}' to revoke.");
                }, ct);
                console.Error.WriteLine($"Revoked token {args.Positionals[0]}.");
                return ExitCodes.Ok;
            default:
                return AdminCli.UsageError(console, null);
        }
    }

    private static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";
}
