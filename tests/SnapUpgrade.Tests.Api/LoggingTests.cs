using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>Request and operation logs are there, and never hold a token secret or a password.</summary>
public sealed class LoggingTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    public async Task Logs_AfterTokenCallsAndAPasswordLogin_HoldNeitherSecret()
    {
        const string password = "log-test-password-5150";
        await host.Services.GetRequiredService<IAccounts>().AddAsync("logger", Role.Operator, password, TestContext.Current.CancellationToken);
        var secret = host.Secrets["operator"];
        var revoked = host.Secrets[ApiHost.Revoked];

        (await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes?dryRun=true", new { name = "logged" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.SendAsync(ApiHost.Revoked, HttpMethod.Get, "api/v1/host")).StatusCode);
        var (browser, login) = await host.LoginAsync("logger", password);
        using var _ = browser;
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        var events = host.Logs.Events;
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", events));
        Assert.Contains(events, e => e.Contains("/api/v1/bes", StringComparison.Ordinal) && e.Contains("responded", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("signed in", StringComparison.Ordinal) && e.Contains("logger", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Contains("\"Actor\":\"t-operator\"", StringComparison.Ordinal) && e.Contains("\"Action\":\"create\"", StringComparison.Ordinal));
        var firstPasswords = File.Exists(Path.Combine(host.DataDir, "initial-admin-password"))
            ? File.ReadAllLines(Path.Combine(host.DataDir, "initial-admin-password")).Select(l => l[(l.IndexOf(':') + 1)..]).Where(p => p.Length > 0).ToList()
            : [];
        Assert.NotEmpty(firstPasswords); // the first start made the accounts and their file
        foreach (var text in events.Append(ReadLogFiles()))
        {
            Assert.All(firstPasswords, p => Assert.DoesNotContain(p, text, StringComparison.Ordinal));
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[3..], text, StringComparison.Ordinal);
            Assert.DoesNotContain(revoked, text, StringComparison.Ordinal);
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
        }
    }

    private string ReadLogFiles() => string.Concat(Directory.EnumerateFiles(Path.Combine(host.DataDir, "logs")).Select(path =>
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }));
}

/// <summary>After a first start and an API call, everything in the data directory is the console's user's alone.</summary>
public sealed class DataDirModeTests(SimulatedApiHost host) : IClassFixture<SimulatedApiHost>
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task DataDir_AfterAFirstStartAndRequests_Is0700WithTheDatabaseLogsAndLock0600()
    {
        (await host.SendAsync("operator", HttpMethod.Post, "api/v1/bes?dryRun=true", new { name = "modes" })).EnsureSuccessStatusCode();
        const UnixFileMode dir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        const UnixFileMode file = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        Assert.Equal(dir, File.GetUnixFileMode(host.DataDir));
        Assert.Equal(dir, File.GetUnixFileMode(Path.Combine(host.DataDir, "logs")));
        var files = Directory.EnumerateFiles(host.DataDir, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".db", StringComparison.Ordinal) || f.EndsWith("-wal", StringComparison.Ordinal) ||
                        f.EndsWith("-shm", StringComparison.Ordinal) || f.Contains("/logs/", StringComparison.Ordinal) ||
                        f.Contains("engine-", StringComparison.Ordinal) || f.EndsWith("initial-admin-password", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("snapupgrade.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("/logs/", StringComparison.Ordinal));
        Assert.All(files, f => Assert.True(File.GetUnixFileMode(f) == file, $"{f} is {File.GetUnixFileMode(f)}"));
    }
}
