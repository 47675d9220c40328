using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Web.Cli;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>The admin commands: in-process against the console's own stores, and once as a real process.</summary>
public sealed class CliTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    private async Task<(int Exit, string Out, string Error)> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCli.RunAsync(args, host.Services.GetRequiredService<IAccounts>(), host.Services.GetRequiredService<ITokens>(),
            host.Services.GetRequiredService<IAuditLog>(), TimeProvider.System, new CliConsole(new StringReader(stdin), output, error), TestContext.Current.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task TokenCreate_RealProcess_PrintsOnlyTheTokenAndItAuthenticates()
    {
        var web = Path.Combine(AppContext.BaseDirectory, "SnapUpgrade.Web.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { web, "token", "create", "--role", "operator", "--name", "ci-process", "--expires", "30d" })
            start.ArgumentList.Add(arg);
        start.Environment["SnapUpgrade__DataDir"] = host.DataDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, await stderr);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var secret = Assert.Single(lines).Trim();
        Assert.StartsWith("su_", secret);
        Assert.Contains("ci-process", await stderr);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/host");
        request.Headers.Authorization = new("Bearer", secret);
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = Assert.Single(await host.Services.GetRequiredService<ITokens>().ListAsync(TestContext.Current.CancellationToken), t => t.Name == "ci-process");
        Assert.Equal(Role.Operator, token.Role);
        Assert.NotNull(token.Expires);
        var row = Assert.Single(await RowsOnAsync("ci-process"));
        Assert.Equal(("token-create", "succeeded", "local"), (row.Action, row.Outcome, row.Source));
        Assert.Equal($"cli:{Environment.UserName}", token.CreatedBy);
        Assert.True((await host.Services.GetRequiredService<IAuditLog>().VerifyAsync(TestContext.Current.CancellationToken)).Intact);
    }

    [Fact]
    public async Task UserAddListRemove_InProcess_ManageTheAccount()
    {
        var (addExit, addOut, _) = await RunAsync("", "user", "add", "carol", "--role", "auditor");
        var generated = addOut.Trim();
        var (listExit, listOut, _) = await RunAsync("", "user", "list");
        var signIn = await host.Services.GetRequiredService<IAccounts>().SignInAsync("carol", generated, TestContext.Current.CancellationToken);
        var (removeExit, _, _) = await RunAsync("", "user", "remove", "carol");
        var (_, listAfter, _) = await RunAsync("", "user", "list");

        Assert.Equal((0, 0, 0), (addExit, listExit, removeExit));
        Assert.True(generated.Length >= 12, "a generated password is printed alone on stdout");
        Assert.Contains(listOut.Split('\n'), l => l.StartsWith("carol ", StringComparison.Ordinal) && l.Contains("auditor", StringComparison.Ordinal));
        Assert.Equal(SignInStatus.Succeeded, signIn.Status);
        Assert.DoesNotContain("carol ", listAfter, StringComparison.Ordinal);
    }

    private async Task<IReadOnlyList<AuditEntry>> RowsOnAsync(string target) =>
        (await host.Services.GetRequiredService<IAuditLog>().QueryAsync(new AuditQuery(Target: target), TestContext.Current.CancellationToken)).Entries;

    [Fact]
    public async Task UserAdd_InProcess_LeavesOneAuditRowNamingTheLocalAdmin_AndTheChainVerifies()
    {
        var (exit, _, _) = await RunAsync("", "user", "add", "erin", "--role", "operator");

        var row = Assert.Single(await RowsOnAsync("erin"));
        Assert.Equal(0, exit);
        Assert.Equal(($"cli:{Environment.UserName}", "admin", "local", "user-add", "succeeded"),
            (row.Actor, row.Role, row.Source, row.Action, row.Outcome));
        Assert.True((await host.Services.GetRequiredService<IAuditLog>().VerifyAsync(TestContext.Current.CancellationToken)).Intact);
    }

    [Fact]
    public async Task TokenRevoke_Unknown_IsRefusedAndAuditedAsRefused()
    {
        var (exit, _, error) = await RunAsync("", "token", "revoke", "never-made");

        var row = Assert.Single(await RowsOnAsync("never-made"));
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("never-made", error);
        Assert.Equal(("token-revoke", "refused", "There is no token 'never-made' to revoke."), (row.Action, row.Outcome, row.Message));
    }

    [Fact]
    public async Task UserList_IsNotAChange_AndLeavesNoAuditRow()
    {
        var audit = host.Services.GetRequiredService<IAuditLog>();
        var query = new AuditQuery(Actor: $"cli:{Environment.UserName}");
        var before = (await audit.QueryAsync(query, TestContext.Current.CancellationToken)).Total;

        var (exit, _, _) = await RunAsync("", "user", "list");

        Assert.Equal(0, exit);
        Assert.Equal(before, (await audit.QueryAsync(query, TestContext.Current.CancellationToken)).Total);
    }

    [Fact]
    public async Task UserPasswd_PasswordFromStdin_IsTheNewPassword()
    {
        await RunAsync("first-password-123\n", "user", "add", "dave", "--role", "operator", "--password-stdin");

        var (exit, output, _) = await RunAsync("second-password-456\n", "user", "passwd", "dave", "--password-stdin");

        Assert.Equal(0, exit);
        Assert.Equal("", output);
        var accounts = host.Services.GetRequiredService<IAccounts>();
        Assert.Equal(SignInStatus.Succeeded, (await accounts.SignInAsync("dave", "second-password-456", TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task TokenRevoke_InProcess_TheTokenNoLongerAuthenticates()
    {
        var (_, secret, _) = await RunAsync("", "token", "create", "--role", "admin", "--name", "short-lived");

        var (exit, _, _) = await RunAsync("", "token", "revoke", "short-lived");
        var (_, list, _) = await RunAsync("", "token", "list");

        Assert.Equal(0, exit);
        Assert.Contains(list.Split('\n'), l => l.StartsWith("short-lived ", StringComparison.Ordinal));
        var stored = Assert.Single(await host.Services.GetRequiredService<ITokens>().ListAsync(TestContext.Current.CancellationToken), t => t.Name == "short-lived");
        Assert.NotNull(stored.Revoked);
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/host");
        request.Headers.Authorization = new("Bearer", secret.Trim());
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("user", "add", "eve")]
    [InlineData("user", "add", "eve", "--role", "superuser")]
    [InlineData("token", "create", "--role", "operator")]
    [InlineData("token", "create", "--role", "operator", "--name", "x", "--expires", "soon")]
    [InlineData("token", "create", "--role", "operator", "--name", "x", "--colour", "red")]
    [InlineData("token", "create", "--name")]
    [InlineData("token", "frobnicate")]
    public async Task Cli_BadUsage_ExitsTwoWithUsageOnStderr(params string[] args)
    {
        var (exit, output, error) = await RunAsync("", args);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("Usage", error);
    }

    [Fact]
    public async Task Cli_Refusal_ExitsOneWithTheMessage()
    {
        var (exit, output, error) = await RunAsync("", "user", "remove", "nobody-here");
        var (weakExit, _, weakError) = await RunAsync("short\n", "user", "add", "frank", "--role", "operator", "--password-stdin");

        Assert.Equal((1, 1), (exit, weakExit));
        Assert.Equal("", output);
        Assert.Contains("nobody-here", error);
        Assert.Contains("too short", weakError);
    }
}
