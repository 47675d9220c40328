using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 14 through the API, on the simulated host and its package command (the demo's apt): an upgrade
/// started by POST, its output followed as server-sent events and as chunked text, its result read back,
/// its one audit row; the whole plan of a dry run; cancel; one at a time; and who may.
/// </summary>
public sealed class UpgradeApiTests(UpgradeApiTests.Host host) : IClassFixture<UpgradeApiTests.Host>
{
    /// <summary>The demo host; operators may not run upgrades (the default).</summary>
    public sealed class Host : SimulatedApiHost;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> StartAsync(object body, string principal = "admin")
    {
        using var response = await host.SendAsync(principal, HttpMethod.Post, "api/v1/upgrades", body);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {text}");
        var run = JsonDocument.Parse(text).RootElement;
        Assert.Equal($"/api/v1/upgrades/{run.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return run;
    }

    /// <summary>The run's server-sent events, read to the end of the stream (which its <c>end</c> event closes).</summary>
    private async Task<List<(string Event, string? Id, string Data)>> EventsAsync(string id, string? lastEventId = null)
    {
        using var response = await host.SendAsync("auditor", HttpMethod.Get, $"api/v1/upgrades/{id}/events" + (lastEventId is null ? "" : $"?from={long.Parse(lastEventId) + 1}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<(string, string?, string)>();
        foreach (var block in (await response.Content.ReadAsStringAsync(Ct)).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = block.Split('\n').Select(l => l.Split(": ", 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "");
            events.Add((fields["event"], fields.GetValueOrDefault("id"), fields["data"]));
        }
        return events;
    }

    private static JsonElement End(List<(string Event, string? Id, string Data)> events)
    {
        var (kind, _, data) = events[^1];
        Assert.Equal("end", kind);
        return JsonDocument.Parse(data).RootElement;
    }

    [Fact]
    public async Task Upgrade_FromTheApi_StreamsItsOutput_StagesItsSharedWrites_AndIsAuditedWithItsOutput()
    {
        var run = await StartAsync(new { name = "up-api", description = "from the API" });
        var id = run.GetProperty("id").GetString()!;
        Assert.Equal("running", run.GetProperty("state").GetString(), ignoreCase: true);

        var events = await EventsAsync(id);

        var lines = events.Where(e => e.Event == "line").ToList();
        Assert.True(lines.Count >= 6, string.Join('\n', lines.Select(l => l.Data)));
        Assert.Equal(Enumerable.Range(0, lines.Count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), lines.Select(l => l.Id));
        Assert.StartsWith("$ simulated-apt-get --root=/", lines[0].Data);
        Assert.Contains(lines, l => l.Data.StartsWith("Setting up demo-base (2.0)", StringComparison.Ordinal));
        // What it did, as it went: from the step it was at when followed, each change once, in the run's order, without ids.
        var steps = events.Where(e => e.Event == "step").ToList();
        Assert.NotEmpty(steps);
        Assert.All(steps, s => Assert.Null(s.Id));
        string[] order = ["creating up-api", "staging up-api", "running the package command", "finishing up-api"];
        Assert.Equal(order.Where(o => steps.Any(s => s.Data == o)), steps.Select(s => s.Data));
        var end = End(events);
        Assert.Equal("staged", end.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal(0, end.GetProperty("ran").GetProperty("exitCode").GetInt32());
        var staged = end.GetProperty("staged").EnumerateArray().Select(s => s.GetString()).ToList();
        // The demo's shared data has no dpkg.log yet: the simulated apt's is new there.
        Assert.Contains("/var/shared/log/dpkg.log added", staged);
        Assert.Contains(staged, s => s!.StartsWith("/var/shared/spool/", StringComparison.Ordinal));
        Assert.Equal(["create", "stage", "finish-upgrade"], end.GetProperty("parts").EnumerateArray().Select(p => p.GetProperty("action").GetString()));

        // Read back: the run, the BE marked staged and unmounted, the plain output ending with the result.
        var read = await host.GetJsonAsync("operator", $"api/v1/upgrades/{id}");
        Assert.Equal(end.GetProperty("lines").GetInt64(), read.GetProperty("lines").GetInt64());
        var be = await host.GetJsonAsync("auditor", "api/v1/bes/up-api");
        Assert.Equal(("staged", JsonValueKind.Null), (be.GetProperty("upgrade").GetString(), be.GetProperty("mountedAt").ValueKind));
        using var output = await host.SendAsync("auditor", HttpMethod.Get, $"api/v1/upgrades/{id}/output");
        var text = await output.Content.ReadAsStringAsync(Ct);
        Assert.Equal(lines.Select(l => l.Data).Append($"[staged: {end.GetProperty("message").GetString()}]"), text.TrimEnd('\n').Split('\n'));
        // Resumed after the fourth line (Last-Event-ID), only the rest comes.
        var resumed = await EventsAsync(id, lastEventId: "3");
        Assert.Equal(lines.Skip(4).Select(l => l.Data), resumed.Where(e => e.Event == "line").Select(e => e.Data));

        var (rows, _) = await host.AuditAsync("target=up-api&pageSize=20");
        var upgrade = Assert.Single(rows, r => r.GetProperty("action").GetString() == "upgrade");
        Assert.Equal(("succeeded", ApiHost.TokenName("admin")), (upgrade.GetProperty("outcome").GetString(), upgrade.GetProperty("actor").GetString()));
        var message = upgrade.GetProperty("message").GetString()!;
        Assert.Contains("$ simulated-apt-get --root=", message);
        Assert.Contains("/var/shared/log/dpkg.log added", message);
        Assert.Contains("Setting up demo-base (2.0)", message);
        Assert.Equal(["create", "finish-upgrade", "stage", "upgrade"],
            rows.Select(r => r.GetProperty("action").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DryRun_ShowsTheWholePlan_WithTheOverlaysAndTheCommand_AndStartsNothing()
    {
        using var response = await host.SendAsync("admin", HttpMethod.Post, "api/v1/upgrades?dryRun=true", new { name = "up-plan", activate = true });

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var steps = JsonDocument.Parse(text).RootElement.GetProperty("steps").EnumerateArray()
            .Select(s => (Description: s.GetProperty("description").GetString()!, Argv: s.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToList()))
            .ToList();
        var order = new[] { "create:", "stage:", "run the package command", "finish-upgrade:", "activate:" };
        Assert.Equal(order, order.Where(o => steps.Any(s => s.Description.StartsWith(o, StringComparison.Ordinal))));
        Assert.Equal(steps.OrderBy(s => Array.FindIndex(order, o => s.Description.StartsWith(o, StringComparison.Ordinal))).ToList(), steps);
        Assert.Contains(steps, s => s.Argv.Contains("overlay") && string.Join(' ', s.Argv).Contains("redirect_dir=off", StringComparison.Ordinal));
        // As the real stage does: the new BE's zone BEs (the demo has db and web) mounted with it, and the chroot's /proc, /sys and /dev.
        Assert.Contains(steps, s => s.Description.StartsWith("stage: mount zone BE rpool/zones/db/ROOT/up-plan", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.Description.StartsWith("stage: mount a private /dev", StringComparison.Ordinal) && s.Argv.Contains("mknod"));
        Assert.Contains(steps, s => s.Description.StartsWith("stage: mount a read-only sysfs", StringComparison.Ordinal)
            && s.Argv.SequenceEqual(["mount", "--no-canonicalize", "-t", "sysfs", "-o", "ro,nosuid,nodev,noexec", "sysfs", s.Argv[^1]]));
        var command = Assert.Single(steps, s => s.Description.StartsWith("run the package command", StringComparison.Ordinal));
        Assert.Equal("simulated-apt-get", command.Argv[0]);
        Assert.StartsWith("--root=/", command.Argv[1]);
        // Nothing was made, nothing runs; one row says who asked for the plan.
        using var be = await host.SendAsync("admin", HttpMethod.Get, "api/v1/bes/up-plan");
        Assert.Equal(HttpStatusCode.NotFound, be.StatusCode);
        var runs = await host.GetJsonAsync("admin", "api/v1/upgrades");
        Assert.DoesNotContain(runs.EnumerateArray(), r => r.GetProperty("name").GetString() == "up-plan");
        var (rows, _) = await host.AuditAsync("target=up-plan");
        var row = Assert.Single(rows);
        Assert.Equal(("upgrade", true, "succeeded"), (row.GetProperty("action").GetString(), row.GetProperty("dryRun").GetBoolean(), row.GetProperty("outcome").GetString()));
    }

    /// <summary>
    /// A reviewed plan, as for any operation: the dry run's token, sent back, runs the create it showed or refuses the
    /// upgrade before anything starts (the host moved: 409 PlanChanged; a token not issued here: 400).
    /// </summary>
    [Fact]
    public async Task ReviewedPlan_RunsWhatWasReviewed_AndAHostThatMovedOrAnotherOrderIsRefusedBeforeAnythingStarts()
    {
        async Task<string> ReviewAsync(string name)
        {
            using var response = await host.SendAsync("admin", HttpMethod.Post, "api/v1/upgrades?dryRun=true", new { name });
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, answer.ToString());
            return answer.GetProperty("planToken").GetString()!;
        }
        async Task<(HttpStatusCode Status, string? Code)> StartWithAsync(string name, string token)
        {
            using var response = await host.SendAsync("admin", HttpMethod.Post, $"api/v1/upgrades?planToken={Uri.EscapeDataString(token)}", new { name });
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            return (response.StatusCode, answer.TryGetProperty("code", out var code) ? code.GetString() : answer.GetProperty("id").GetString());
        }
        var reviewed = await ReviewAsync("up-reviewed");

        // Another order than the one reviewed, and a token this console never issued: refused, nothing starts.
        Assert.Equal((HttpStatusCode.Conflict, "PlanChanged"), await StartWithAsync("up-other", reviewed));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidPlanToken"), await StartWithAsync("up-reviewed", reviewed[..^4] + "AAAA"));
        // The reviewed order with its token: it runs, once.
        var (status, id) = await StartWithAsync("up-reviewed", reviewed);
        Assert.True(status == HttpStatusCode.Accepted, $"{status} {id}");
        Assert.Equal("staged", End(await EventsAsync(id!)).GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidPlanToken"), await StartWithAsync("up-reviewed", reviewed));

        // The host moved since the review: a BE of that name was made meanwhile.
        var stale = await ReviewAsync("up-stale");
        using (var made = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes", new { name = "up-stale" }))
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        Assert.Equal((HttpStatusCode.Conflict, "PlanChanged"), await StartWithAsync("up-stale", stale));
        var runs = await host.GetJsonAsync("admin", "api/v1/upgrades");
        Assert.Equal(["up-reviewed"], runs.EnumerateArray().Select(r => r.GetProperty("name").GetString())
            .Where(n => n is "up-reviewed" or "up-stale" or "up-other"));
        var (rows, _) = await host.AuditAsync("target=up-other");
        Assert.Equal(("upgrade", "refused"), (Assert.Single(rows).GetProperty("action").GetString(), rows[0].GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task Cancel_WhileTheCommandRuns_LeavesTheBeFailedUnmountedAndNotActivatable_AndASecondUpgradeWaitsItsTurn()
    {
        var id = (await StartAsync(new { name = "up-cancel", activate = true })).GetProperty("id").GetString()!;
        await WaitAsync(id, r => r.GetProperty("lines").GetInt64() >= 2);

        using var busy = await host.SendAsync("admin", HttpMethod.Post, "api/v1/upgrades", new { name = "up-busy" });
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        Assert.Equal("Busy", (await busy.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        using var auditorCancel = await host.SendAsync("auditor", HttpMethod.Post, $"api/v1/upgrades/{id}/cancel");
        Assert.Equal(HttpStatusCode.Forbidden, auditorCancel.StatusCode);
        using var cancel = await host.SendAsync("admin", HttpMethod.Post, $"api/v1/upgrades/{id}/cancel");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal($"/api/v1/upgrades/{id}", cancel.Headers.Location?.OriginalString);
        var asked = await cancel.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal((id, "up-cancel"), (asked.GetProperty("id").GetString(), asked.GetProperty("name").GetString()));

        var end = End(await EventsAsync(id));
        Assert.Equal("failed", end.GetProperty("state").GetString(), ignoreCase: true);
        Assert.Equal("cancelled", end.GetProperty("ran").GetProperty("end").GetString(), ignoreCase: true);
        Assert.Equal(JsonValueKind.Null, end.GetProperty("activated").ValueKind);
        var be = await host.GetJsonAsync("admin", "api/v1/bes/up-cancel");
        Assert.Equal(("failed", JsonValueKind.Null, false),
            (be.GetProperty("upgrade").GetString(), be.GetProperty("mountedAt").ValueKind, be.GetProperty("isActiveOnReboot").GetBoolean()));
        using var activate = await host.SendAsync("admin", HttpMethod.Post, "api/v1/bes/up-cancel/activate", new { });
        Assert.Equal("UpgradeNotFinished", (await activate.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        using var again = await host.SendAsync("admin", HttpMethod.Post, $"api/v1/upgrades/{id}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var (rows, _) = await host.AuditAsync("target=up-cancel&action=upgrade");
        Assert.Equal("failed", Assert.Single(rows).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task ActivateOnSuccess_ActivatesTheNewBeForTheNextBoot()
    {
        var before = await host.GetJsonAsync("admin", "api/v1/host");
        var id = (await StartAsync(new { name = "up-active", activate = true })).GetProperty("id").GetString()!;

        var end = End(await EventsAsync(id));

        Assert.Equal("succeeded", end.GetProperty("activated").GetProperty("outcome").GetString());
        var be = await host.GetJsonAsync("admin", "api/v1/bes/up-active");
        Assert.True(be.GetProperty("isActiveOnReboot").GetBoolean());
        // Back as it was for the other tests of this class.
        var booted = before.GetProperty("booted").GetProperty("name").GetString();
        (await host.SendAsync("admin", HttpMethod.Post, $"api/v1/bes/{booted}/activate", new { })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Roles_AnOperatorIsRefusedUnlessTheHostAllows_AnAuditorReadsButMayNotStart_BothAudited()
    {
        foreach (var principal in new[] { "operator", "auditor" })
        {
            using var response = await host.SendAsync(principal, HttpMethod.Post, "api/v1/upgrades", new { name = $"up-{principal}" });
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("Forbidden", problem.GetProperty("code").GetString());
            var (rows, _) = await host.AuditAsync($"target=up-{principal}");
            Assert.Equal(("upgrade", "refused", principal), (rows[0].GetProperty("action").GetString(), rows[0].GetProperty("outcome").GetString(),
                rows[0].GetProperty("role").GetString()));
        }
        Assert.Equal(JsonValueKind.Array, (await host.GetJsonAsync("auditor", "api/v1/upgrades")).ValueKind);
        using var missing = await host.SendAsync("auditor", HttpMethod.Get, "api/v1/upgrades/nope/events");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private async Task WaitAsync(string id, Func<JsonElement, bool> until)
    {
        for (var i = 0; i < 600; i++)
        {
            var run = await host.GetJsonAsync("admin", $"api/v1/upgrades/{id}");
            if (until(run)) return;
            Assert.Equal("running", run.GetProperty("state").GetString(), ignoreCase: true);
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"upgrade {id} did not get there in 30 s");
    }
}
