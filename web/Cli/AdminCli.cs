using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Web.Extensions;

namespace SnapUpgrade.Web.Cli;

/// <summary>
/// The admin commands of the console binary, for hosts without a browser: <c>user ...</c> and
/// <c>token ...</c> on the configured DataDir (the same settings the server reads; <c>--data-dir</c>
/// overrides). They run and exit; the web server does not start. Exit codes: 0 ok, 1 refused, 2 usage.
/// Each change is audited like one made on the admin pages (<see cref="AuditedChanges"/>), with
/// <see cref="Actor"/> as the actor; listings are not.
/// </summary>
public static class AdminCli
{
    /// <summary>The local admin running the command: <c>cli:&lt;unix user&gt;</c>, admin, from "local".</summary>
    public static Actor Actor => new($"cli:{Environment.UserName}", Role.Admin, "local");

    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "user" or "token";

    /// <summary>From Program: reads the settings, opens the database, runs one command.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var console = CliConsole.Process;
        var builder = WebApplication.CreateBuilder(AppFolder.Options([]));
        var parsed = CliArgs.Parse(args, out _);
        if (parsed?.Option("--data-dir") is { } dataDir)
            builder.Configuration[$"{HostSettings.Section}:DataDir"] = Path.GetFullPath(dataDir);
        builder.Services.AddSnapUpgradeStore(builder.Configuration);
        await using var services = builder.Services.BuildServiceProvider();
        try
        {
            return await RunAsync(args, services.GetRequiredService<IAccounts>(), services.GetRequiredService<ITokens>(),
                services.GetRequiredService<IAuditLog>(), services.GetRequiredService<TimeProvider>(), console, CancellationToken.None);
        }
        catch (InvalidHostSettingsException ex)
        {
            console.Error.WriteLine(ex.Message);
            return ExitCodes.Refused;
        }
    }

    public static async Task<int> RunAsync(string[] args, IAccounts accounts, ITokens tokens, IAuditLog audit, TimeProvider clock,
        CliConsole console, CancellationToken ct)
    {
        if (!Handles(args) || args.Length < 2)
            return UsageError(console, null);
        if (CliArgs.Parse(args[2..], out var error) is not { } parsed)
            return UsageError(console, error);
        var known = args[0] == "user" ? new[] { "--role", "--password-stdin", "--data-dir" } : ["--role", "--name", "--expires", "--data-dir"];
        if (parsed.OptionNames.FirstOrDefault(o => !known.Contains(o)) is { } unknown)
            return UsageError(console, $"Unknown option {unknown}.");
        var changes = new CliChanges(new AuditedChanges(audit), Actor);
        try
        {
            return args[0] == "user"
                ? await UserCommands.RunAsync(args[1], parsed, accounts, changes, console, ct)
                : await TokenCommands.RunAsync(args[1], parsed, tokens, changes, clock, console, ct);
        }
        catch (AccountException ex)
        {
            console.Error.WriteLine(ex.Message);
            return ExitCodes.Refused;
        }
    }

    /// <summary>Runs one audited change; a refusal is thrown on as the <see cref="AccountException"/> it was.</summary>
    internal sealed record CliChanges(AuditedChanges Changes, Actor Actor)
    {
        public async Task RunAsync(string action, string target, Func<Task> change, CancellationToken ct)
        {
            if (await Changes.RunAsync(Actor, action, target, change, ct) is { } refusal)
                throw new AccountException(refusal);
        }

        /// <summary>The same, for a change that returns what it made.</summary>
        public async Task<T> RunAsync<T>(string action, string target, Func<Task<T>> change, CancellationToken ct)
        {
            T made = default!;
            Func<Task> run = async () => made = await change();
            await RunAsync(action, target, run, ct);
            return made;
        }
    }

    public static int UsageError(CliConsole console, string? problem)
    {
        if (problem is not null) console.Error.WriteLine(problem);
        console.Error.WriteLine("Usage (options: --data-dir <dir> overrides SnapUpgrade:DataDir):");
        console.Error.WriteLine(UserCommands.Usage);
        console.Error.WriteLine(TokenCommands.Usage);
        return ExitCodes.Usage;
    }
}
