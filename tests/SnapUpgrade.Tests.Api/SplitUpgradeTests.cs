using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 14 as installed (ADR 0019, 0026): an upgrade asked of the unprivileged web over the API runs in the
/// engine process (root, within the engine unit's capability bound) with the real dpkg, its output carried
/// over the engine's socket to the API's event stream; the live shared data is not touched, and the writes
/// dpkg made into /var/log and /var/spool wait in the new BE.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SplitUpgradeTests(SplitConsole split) : IClassFixture<SplitConsole>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Local(string hostPath) => split.HostRoot + hostPath;

    [Fact]
    public async Task Upgrade_ThroughTheWeb_RunsTheRealDpkgInTheEngine_StreamsOverTheSocket_SharedDataUntouched()
    {
        SplitConsole.Require();
        UpgradeRoots.RequireTools();
        UpgradeRoots.LayOutMigratedDebianRoot(Local(""));
        await File.WriteAllTextAsync(Local("/var/shared/log/dpkg.log"), UpgradeRoots.BaseLog, Ct);
        var deb = await UpgradeRoots.BuildPackageAsync(Directory.CreateTempSubdirectory("snapupgrade-deb-").FullName,
            "echo configured >> /var/log/hello-su.log\nmkdir -p /var/spool/hello-su\necho job > /var/spool/hello-su/queue", Ct);
        // The engine again, with the host's package command: dpkg into the alternate root, its log there too.
        split.Engine.Kill(entireProcessTree: true);
        await split.Engine.WaitForExitAsync(Ct);
        string[] argv = ["dpkg", "--root={root}", "--log={root}/var/log/dpkg.log", "--force-not-root", "-i", deb];
        split.RestartEngine(argv.Select((a, i) => (Key: $"SnapUpgrade__Upgrade__Command__{i}", Value: a))
            .ToDictionary(p => p.Key, p => p.Value), name: "engine-upgrades");
        await split.WaitForSocketAsync();
        var live = UpgradeRoots.Tree(Local("/var/shared"));

        var start = await SplitConsole.UntilAnsweredAsync(async () =>
        {
            var answer = await split.Client.PostAsJsonAsync("api/v1/upgrades", new { name = "sp-up" }, Ct);
            if (answer.StatusCode == HttpStatusCode.ServiceUnavailable) throw new HttpRequestException("the web has not reached the new engine yet");
            return answer;
        });
        var text = await start.Content.ReadAsStringAsync(Ct);
        Assert.True(start.StatusCode == HttpStatusCode.Accepted, $"{(int)start.StatusCode} {text}\n{split.Output}");
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        var events = await split.Client.GetStringAsync($"api/v1/upgrades/{id}/events", Ct);

        var blocks = events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(blocks, b => b.Contains("data: $ dpkg --root=/", StringComparison.Ordinal));
        Assert.Contains(blocks, b => b.Contains("Setting up hello-su (1.0)", StringComparison.Ordinal));
        var end = JsonDocument.Parse(blocks[^1].Split("data: ", 2)[1]).RootElement;
        Assert.True(end.GetProperty("state").GetString() == "Staged", $"{events}\n{split.Output}");
        var staged = end.GetProperty("staged").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains("/var/shared/log/dpkg.log appended", staged);
        Assert.Contains("/var/shared/log/hello-su.log added", staged);
        Assert.Contains("/var/shared/spool/hello-su/queue added", staged);
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        var rows = (await split.Client.GetFromJsonAsync<JsonElement>("api/v1/audit?target=sp-up&action=upgrade", Ct)).GetProperty("entries");
        var row = Assert.Single(rows.EnumerateArray());
        Assert.Equal(("split", "succeeded"), (row.GetProperty("actor").GetString(), row.GetProperty("outcome").GetString()));
        Assert.Contains("Setting up hello-su (1.0)", row.GetProperty("message").GetString());
    }
}
