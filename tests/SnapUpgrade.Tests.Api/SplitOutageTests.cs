using System.Diagnostics;
using System.Net;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 12's bad situations with the real pair (a fixture of its own: these stop and start its engine):
/// the engine killed (its socket file left behind), a web without permission on the socket, the pool
/// missing at the engine's start. Each is said in words an admin can act on, in the log and on /healthz.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SplitOutageTests(SplitConsole split) : IClassFixture<SplitConsole>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static async Task<(HttpStatusCode Status, string Body)> HealthAsync(HttpClient client, Func<string, bool> until)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var answer = await client.GetAsync("healthz", TestContext.Current.CancellationToken);
            var body = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (until(body) || clock.Elapsed > Bound) return (answer.StatusCode, body);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task EngineKilled_WebSaysTheSocketIsStale_ThenTheRestartedEngineClearsItAndTheWebRecovers()
    {
        SplitConsole.Require();
        Assert.Equal(HttpStatusCode.OK, (await HealthAsync(split.Client, body => body == "Healthy")).Status);

        split.Engine.Kill(entireProcessTree: true);
        await split.Engine.WaitForExitAsync(TestContext.Current.CancellationToken);
        var down = await HealthAsync(split.Client, body => body.Contains("stale socket", StringComparison.Ordinal));
        Assert.True(File.Exists(split.Socket)); // SIGKILL left the file
        split.RestartEngine();
        await split.WaitForSocketAsync();
        var up = await HealthAsync(split.Client, body => body.StartsWith("Healthy", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal($"Unhealthy: Nothing answers on the engine socket {split.Socket} (connection refused: a stale socket file): start snapupgrade-engine.", down.Body);
        Assert.Contains($"The engine cannot be reached: Nothing answers on the engine socket {split.Socket}", split.Output, StringComparison.Ordinal);
        Assert.Contains($"Removed the stale engine socket {split.Socket}", split.Output, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "Healthy"), up);
        Assert.Contains($"The engine on {split.Socket} answers again", split.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebOutsideTheSocketGroup_SaysItHasNoPermission()
    {
        SplitConsole.Require();
        var dataDir = Path.Combine(split.Root, "outsider");
        Directory.CreateDirectory(dataDir);
        (await SplitConsole.RunAsync("chown", $"{split.Outsider}:{split.Outsider}", dataDir)).EnsureSuccess();
        var port = SplitConsole.FreePort();
        var environment = split.WebEnvironment(new()
        {
            ["SnapUpgrade__DataDir"] = dataDir, ["HOME"] = dataDir, ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_STATICWEBASSETS"] = Path.Combine(dataDir, "none.json"),
        });
        split.Start("outsider-web", SplitConsole.AsUser(split.Outsider, split.Outsider, "dotnet", ConsoleProcess.WebDll), environment);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var (status, body) = await SplitConsole.UntilAnsweredAsync(() =>
            HealthAsync(client, b => b.Contains("No permission", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal($"Unhealthy: No permission on the engine socket {split.Socket} (EACCES): the web's user must be in the socket's group " +
            "(SnapUpgrade:Engine:Group).", body);
    }

    [Fact]
    public async Task EngineOnAMissingPool_StopsSayingThePoolIsMissing()
    {
        SplitConsole.Require();
        var engine = split.StartEngine(new Dictionary<string, string>
        {
            ["SnapUpgrade__Pool"] = "nosuchpool",
            ["SnapUpgrade__Engine__Socket"] = Path.Combine(split.Root, "other.sock"),
            ["SnapUpgrade__DataDir"] = Path.Combine(split.Root, "other-engine"),
        }, name: "nopool");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bounded.CancelAfter(Bound);

        await engine.WaitForExitAsync(bounded.Token);

        Assert.Equal(1, engine.ExitCode);
        Assert.Contains("The console stopped: Invalid SnapUpgrade configuration: SnapUpgrade:Pool is 'nosuchpool', but this host has no such pool " +
            "(cannot open 'nosuchpool': no such pool): import it (zpool import nosuchpool) or name the pool the console manages.",
            split.OutputOf("nopool"), StringComparison.Ordinal);
    }
}
