using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 9 with a real kill: every mutating operation, killed with SIGKILL at steps of its plan (the
/// journal, read from the SQLite file, tells when the engine has started step k) and once at a
/// random moment, then started again. The pool, read with zfs itself, must then be exactly as
/// before the call or exactly as after an uninterrupted one (every dataset and snapshot with the
/// console's properties; uuids and generated snapshot times as placeholders), no console-made
/// snapshot may be left that nothing is cloned from, and the audit log has exactly one row for
/// the attempt (none only when the kill came before the engine began, and then nothing changed).
/// </summary>
public sealed partial class KillNineTests
{
    /// <summary>One operation as the API takes it, and the calls that put the pool back from "done" to "before".</summary>
    private sealed record Killable(string Name, string Action, string? Target, Func<Task<HttpResponseMessage>> Call,
        Func<Task> Back, Func<Task>? Setup = null, Func<Task>? Teardown = null);

    [Fact]
    public async Task EveryOperation_KilledAtStepsOfItsPlanAndAtRandom_IsUndoneOrFinishedAtRestart_WithOneAuditRow()
    {
        Lane.RequireZfsFuse();
        var clock = Stopwatch.StartNew();
        await MustAsync(Server.PostAsync("api/v1/zones", new { name = "web" }), "create zone web");
        await MustAsync(Server.PostAsync("api/v1/bes", new { name = "be2" }), "create be2");
        await MustAsync(Server.PostAsync("api/v1/bes/be2/snapshots", new { snapshot = "s1" }), "snapshot be2@s1");
        await MustAsync(Server.PostAsync("api/v1/bes/be2/snapshots", new { snapshot = "s2" }), "snapshot be2@s2");

        var random = new Random(_seed);
        var kills = 0;
        var outcomes = new Dictionary<string, int>();
        foreach (var op in Operations())
        {
            if (op.Setup is not null) await op.Setup();
            var before = await PoolTextAsync();
            var timer = Stopwatch.StartNew();
            var plan = await MustAsync(op.Call(), $"{op.Name}: the run not killed");
            var window = timer.Elapsed;
            var done = await PoolTextAsync();
            Assert.NotEqual(before, done);
            await op.Back();
            LabLook.Same(before, await PoolTextAsync(), "the pool put back", $"{op.Name}: after its undoing calls");

            var steps = plan.GetProperty("steps").GetArrayLength();
            var points = new[] { 1, (steps + 1) / 2, steps }.Distinct().Select(k => (int?)k).Append(null).ToList();
            foreach (var step in points)
            {
                var delay = window * random.NextDouble();
                var where = $"seed {_seed}, {op.Name} killed {(step is { } k ? $"once step {k} of {steps} started" : $"after {Ms(delay)} (of {Ms(window)})")}";
                var rows = await Server.AuditAsync(op.Action, op.Target);
                var last = Server.LastJournalRow().Id;
                var call = op.Call();
                var answered = step is { } at ? await KillAtStepAsync(call, last, at, where) is not null : await KillAfterAsync(call, delay, where) is not null;
                kills++;

                var now = await Server.AuditAsync(op.Action, op.Target);
                Assert.True(now.Count - rows.Count is 0 or 1, $"{where}: {now.Count - rows.Count} new audit rows for one attempt");
                var row = now.Count > rows.Count ? now[0] : (JsonElement?)null;
                Assert.True(row is not null || step is null, $"{where}: the engine had begun, but no audit row ({Server.JournalTail()})");
                var pool = await PoolTextAsync();
                await AssertNoOrphanAsync(where);
                var outcome = row?.GetProperty("outcome").GetString() ?? "none";
                if (outcome is not ("interrupted" or "succeeded" or "none"))
                    Assert.Fail($"{where}: {Describe(row)}\nthe attempt before: {_report.LastOrDefault()}\nthe lab's mounts:\n{_look.Mounts()}\n" +
                                $"the pool:\n{pool}zfs-fuse daemons: {string.Join(", ", ZfsFuseDaemon.Running())}\n{Server.JournalTail()}\nthe console said:\n{Server.Output}");
                Assert.True(!answered || outcome == "succeeded", $"{where}: answered, but the row says {Describe(row)}");
                var state = pool == before ? "as before" : pool == done ? "done" : null;
                if (state is null)
                    LabLook.Same(before, pool, $"the pool (neither as before nor as done: done would be\n{done})",
                        $"{where}; {Describe(row)}; {Server.JournalTail()}; the console said:\n{Server.Output}");
                Assert.True(row is not null || state == "as before", $"{where}: changed the pool but left no audit row");
                var journal = Server.LastJournalRow().Message ?? "";
                var how = outcome == "interrupted" ? (journal.Contains("rolled forward", StringComparison.Ordinal) ? "rolled forward" : "undone") : outcome;
                var key = $"{how}, pool {state}";
                outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
                _report.Add($"{where}: {Describe(row)}; pool {state}; restart {Ms(Server.LastStart)}");
                if (state == "done") await op.Back();
            }
            if (op.Teardown is not null) await op.Teardown();
        }
        _report.Add($"seed {_seed}: {Operations().Count} operations, {kills} kills in {Ms(clock.Elapsed)}: " +
                    string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Value} {o.Key}")));
    }

    /// <summary>
    /// Each mutating operation on a pool with zone web, be2 (its zone BE) and be2@s1, be2@s2; each
    /// ends with the pool as it found it.
    /// </summary>
    private List<Killable> Operations()
    {
        Func<Task> Call(string method, string path, object? body = null) => async () =>
        {
            var call = method == "DELETE" ? Server.Client.DeleteAsync(path, TestContext.Current.CancellationToken) : Server.PostAsync(path, body);
            await MustAsync(call, $"{method} {path}");
        };
        async Task Sequence(params Func<Task>[] calls)
        {
            foreach (var c in calls) await c();
        }
        Task<HttpResponseMessage> Delete(string path) => Server.Client.DeleteAsync(path, TestContext.Current.CancellationToken);
        // A zone made before its shared dataset existed (an older console): what shared init adopts.
        Func<Task> dropZoneShared = () => LabLook.WhenNotBusyAsync(["zfs", "destroy", "-r", new Core.Model.Layout(_look.Lab.Pool).ZoneShared("sh")]);
        return
        [
            new("create", "create", "be3", () => Server.PostAsync("api/v1/bes", new { name = "be3" }), Call("DELETE", "api/v1/bes/be3")),
            new("destroy with a dependent clone", "destroy", "be5", () => Delete("api/v1/bes/be5"),
                Back: () => Sequence(Call("DELETE", "api/v1/bes/be6"), Call("POST", "api/v1/bes", new { name = "be5" }),
                    Call("POST", "api/v1/bes/be5/snapshots", new { snapshot = "k" }), Call("POST", "api/v1/bes", new { name = "be6", source = "be5@k" })),
                Setup: () => Sequence(Call("POST", "api/v1/bes", new { name = "be5" }),
                    Call("POST", "api/v1/bes/be5/snapshots", new { snapshot = "k" }), Call("POST", "api/v1/bes", new { name = "be6", source = "be5@k" })),
                Teardown: () => Sequence(Call("DELETE", "api/v1/bes/be6"), Call("DELETE", "api/v1/bes/be5"))),
            new("rename", "rename", "be2", () => Server.PostAsync("api/v1/bes/be2/rename", new { newName = "be4" }),
                Call("POST", "api/v1/bes/be4/rename", new { newName = "be2" })),
            new("snapshot", "snapshot", "be2", () => Server.PostAsync("api/v1/bes/be2/snapshots", new { snapshot = "s3" }),
                Call("DELETE", "api/v1/bes/be2/snapshots/s3")),
            new("destroy snapshot", "destroy-snapshot", "be2@s2", () => Delete("api/v1/bes/be2/snapshots/s2"),
                Call("POST", "api/v1/bes/be2/snapshots", new { snapshot = "s2" })),
            new("rollback", "rollback", "be2@s1", () => Server.PostAsync("api/v1/bes/be2/rollback", new { snapshot = "s1", destroyLaterSnapshots = true }),
                Call("POST", "api/v1/bes/be2/snapshots", new { snapshot = "s2" })),
            new("mount", "mount", "be2", () => Server.PostAsync("api/v1/bes/be2/mount", new { path = "/mnt/be2" }),
                Call("POST", "api/v1/bes/be2/unmount")),
            new("unmount", "unmount", "be2", () => Server.PostAsync("api/v1/bes/be2/unmount"),
                Back: Call("POST", "api/v1/bes/be2/mount", new { path = "/mnt/be2" }),
                Setup: Call("POST", "api/v1/bes/be2/mount", new { path = "/mnt/be2" }), Teardown: Call("POST", "api/v1/bes/be2/unmount")),
            new("activate", "activate", "be2", () => Server.PostAsync("api/v1/bes/be2/activate", new { }),
                Call("POST", "api/v1/bes/be1/activate", new { })),
            new("zone create", "zone-create", "db", () => Server.PostAsync("api/v1/zones", new { name = "db" }), Call("DELETE", "api/v1/zones/db")),
            new("zone destroy", "zone-destroy", "tmp", () => Delete("api/v1/zones/tmp"),
                Back: Call("POST", "api/v1/zones", new { name = "tmp" }),
                Setup: Call("POST", "api/v1/zones", new { name = "tmp" }), Teardown: Call("DELETE", "api/v1/zones/tmp")),
            new("shared init", "shared-init", null, () => Server.PostAsync("api/v1/shared/init"), dropZoneShared,
                Setup: () => Sequence(Call("POST", "api/v1/zones", new { name = "sh" }), dropZoneShared), Teardown: Call("DELETE", "api/v1/zones/sh")),
        ];
    }

    /// <summary>
    /// Starts nothing itself: waits until the journal shows that the call's operation (a row newer
    /// than <paramref name="last"/>) has started step <paramref name="step"/>, kills the console,
    /// starts it again. The answer when it came first (the kill then found the operation done).
    /// </summary>
    private async Task<string?> KillAtStepAsync(Task<HttpResponseMessage> call, long last, int step, string where)
    {
        var deadline = Stopwatch.StartNew();
        while (!call.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var row = Server.LastJournalRow();
            if (row.Id > last && row.StepsStarted >= step) break;
            await Task.Delay(1);
        }
        return await KillAfterAsync(call, TimeSpan.Zero, where);
    }

    /// <summary>The pool with <see cref="LabLook.PropertiesAsync"/>; uuids by the dataset that carries them, generated snapshot times as placeholders.</summary>
    private async Task<string> PoolTextAsync()
    {
        var text = await _look.PropertiesAsync();
        foreach (Match m in UuidLines().Matches(text)) text = text.Replace(m.Groups[2].Value, $"<uuid of {m.Groups[1].Value}>", StringComparison.Ordinal);
        return SnapshotTimes().Replace(text, "<time>");
    }

    /// <summary>No snapshot the console marked as its own that nothing is cloned from: nothing would ever clean it up.</summary>
    private async Task AssertNoOrphanAsync(string where)
    {
        var text = await _look.PropertiesAsync();
        var origins = text.Split('\n').Select(l => l.Split('\t')).Where(f => f.Length == 5).Select(f => f[4]).ToHashSet();
        var orphans = text.Split('\n').Select(l => l.Split('\t'))
            .Where(f => f.Length == 3 && f[0].Contains('@') && f[1] == "org.snapupgrade:made" && f[2] == "on" && !origins.Contains(f[0]))
            .Select(f => f[0]).ToList();
        Assert.True(orphans.Count == 0, $"{where}: console-made snapshots nothing uses: {string.Join(", ", orphans)}");
    }

    [GeneratedRegex(@"^(\S+)\torg\.snapupgrade:uuid\t(\S+)$", RegexOptions.Multiline)]
    private static partial Regex UuidLines();

    [GeneratedRegex(@"\d{8}-\d{6}(-\d+)?")]
    private static partial Regex SnapshotTimes();
}
