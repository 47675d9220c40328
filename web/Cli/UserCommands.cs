using System.Globalization;
using System.Security.Cryptography;
using SnapUpgrade.Core.Access;

namespace SnapUpgrade.Web.Cli;

/// <summary><c>user add|passwd|remove|list</c>.</summary>
public static class UserCommands
{
    public const string Usage = """
        user add <name> --role admin|operator|auditor [--password-stdin]
        user passwd <name> [--password-stdin]
        user remove <name>
        user list
        """;

    internal static async Task<int> RunAsync(string verb, CliArgs args, IAccounts accounts, AdminCli.CliChanges changes, CliConsole console,
        CancellationToken ct)
    {
        switch (verb, args.Positionals.Count)
        {
            case ("add", 1) when Roles.TryParse(args.Option("--role"), out var role):
            {
                var (password, generated) = ReadOrGenerate(args, console);
                if (password is null) return AdminCli.UsageError(console, "--password-stdin: standard input was empty.");
                var user = await changes.RunAsync("user-add", args.Positionals[0], () => accounts.AddAsync(args.Positionals[0], role, password, ct), ct);
                console.Error.WriteLine($"Added {user.Name} ({Roles.Name(user.Role)}).");
                if (generated) PrintGenerated(console, password);
                return ExitCodes.Ok;
            }
            case ("passwd", 1):
            {
                var (password, generated) = ReadOrGenerate(args, console);
                if (password is null) return AdminCli.UsageError(console, "--password-stdin: standard input was empty.");
                await changes.RunAsync("user-reset-password", args.Positionals[0], () => accounts.SetPasswordAsync(args.Positionals[0], password, ct), ct);
                console.Error.WriteLine($"Changed the password of {args.Positionals[0]}.");
                if (generated) PrintGenerated(console, password);
                return ExitCodes.Ok;
            }
            case ("remove", 1):
                await changes.RunAsync("user-remove", args.Positionals[0], async () =>
                {
                    if (!await accounts.RemoveAsync(args.Positionals[0], ct))
                        throw new AccountException($"There is no account '{args.Positionals[0]}'.");
                }, ct);
                console.Error.WriteLine($"Removed {args.Positionals[0]}.");
                return ExitCodes.Ok;
            case ("list", 0):
                console.Out.WriteLine($"{"NAME",-24} {"ROLE",-9} {"CREATED",-20} LOCKED UNTIL");
                foreach (var user in await accounts.ListAsync(ct))
                    console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{user.Name,-24} {Roles.Name(user.Role),-9} {user.Created.UtcDateTime,-20:yyyy-MM-dd HH:mm:ss} {user.LockedUntil?.UtcDateTime:yyyy-MM-dd HH:mm:ss}"));
                return ExitCodes.Ok;
            default:
                return AdminCli.UsageError(console, null);
        }
    }

    /// <summary>The first line of standard input with --password-stdin, else a random password.</summary>
    private static (string? Password, bool Generated) ReadOrGenerate(CliArgs args, CliConsole console)
    {
        if (!args.Flag("--password-stdin")) return (Generate(), true);
        var line = console.In.ReadLine();
        return (string.IsNullOrEmpty(line) ? null : line, false);
    }

    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    private static void PrintGenerated(CliConsole console, string password)
    {
        console.Error.WriteLine("Generated password (shown once):");
        console.Out.WriteLine(password);
    }
}
