using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// What the kill -9 tests share: a booted zfs-fuse lab, the built console running over it as its own
/// process, and the ways to kill it and to read what it left. Two classes use it (<see cref="KillNineTests"/>,
/// <see cref="KillNineEveryOperationTests"/>), so the API lane runs them side by side: one class took 215 s.
/// </summary>
public abstract class KillNineLab : IAsyncLifetime
{
    private protected readonly int _seed = int.TryParse(Environment.GetEnvironmentVariable("SNAPUPGRADE_KILL_SEED"), out var s) ? s : Random.Shared.Next();
    private protected readonly List<string> _report = [];
    private protected BootedZfsFuseLab? _lab;
    private protected ConsoleProcess? _console;
    private protected LabLook _look = null!;

    private protected ConsoleProcess Server => _console!;

    public async ValueTask InitializeAsync()
    {
        _lab = await BootedZfsFuseLab.CreateIfInstalledAsync();
        if (_lab is null) return;
        _look = new LabLook(_lab.Host);
        _console = await ConsoleProcess.StartAsync(_lab.ConsoleSettings);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        foreach (var line in _report) TestContext.Current.TestOutputHelper?.WriteLine(line);
        if (_console is not null) await _console.DisposeAsync();
        if (_lab is not null) await _lab.DisposeAsync();
    }

    /// <summary>
    /// A dry run of the call first: a console just started answers its first call of a kind only
    /// after the JIT, so without it every kill of the short mount came before the engine began.
    /// The measured windows are of a warm console too.
    /// </summary>
    private protected Task WarmAsync(string path, object? body = null) => MustAsync(Server.PostAsync(path + "?dryRun=true", body), $"dry run of {path}");

    /// <summary>
    /// Starts nothing itself: waits until the journal shows that the call's operation (a row newer
    /// than <paramref name="last"/>) has started step <paramref name="step"/>, kills the console,
    /// starts it again. The answer when it came first (the kill then found the operation done).
    /// </summary>
    private protected async Task<string?> KillAtStepAsync(Task<HttpResponseMessage> call, long last, int step, string where)
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

    /// <summary>
    /// Starts the call, kills the console after <paramref name="delay"/>, restarts it. The answer
    /// (status and body) when it came before the kill, null when the kill came first.
    /// </summary>
    private protected async Task<string?> KillAfterAsync(Task<HttpResponseMessage> call, TimeSpan delay, string where)
    {
        await Task.Delay(delay);
        var answered = call.IsCompleted;
        await Server.KillAsync();
        string? answer = null;
        try
        {
            using var response = await call;
            if (answered) answer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Net.Sockets.SocketException)
        {
            // the connection died with the console (a SocketException, unwrapped, when it died while connecting)
        }
        await _look.AssertNoProcessLeftAsync(where);
        await Server.StartAsync();
        return answer;
    }

    /// <summary>
    /// An attempt that left no audit row must have changed nothing (the kill came before the
    /// engine began). Changed: the operation ran, and nothing at restart recorded it.
    /// </summary>
    private protected async Task AssertUnchangedWithoutRowAsync(string where, string pool)
    {
        var now = await _look.PoolAsync();
        if (now == pool) return;
        LabLook.Same(pool, now, $"the pool, after an attempt that left NO audit row ({Server.JournalTail()})", where);
    }

    /// <summary>The row the killed attempt left, if any: at most one is new.</summary>
    private protected async Task<JsonElement?> NewRowAsync(string action, int before, string where)
    {
        var rows = await Server.AuditAsync(action, "be2");
        Assert.True(rows.Count - before is 0 or 1, $"{where}: {rows.Count - before} new audit rows for one attempt");
        return rows.Count > before ? rows[0] : null;
    }

    private protected async Task AssertAsBeforeAsync(string where, string pool, string mounts, string shared, string run, string be2Var)
    {
        await AssertSameAsync(where, pool, mounts, run);
        LabLook.Same(shared, LabLook.Tree(_look.Local("/var/shared")), "/var/shared (listing and SHA-256)", where);
        LabLook.Same(be2Var, await _look.InsideAsync("be2", root => LabLook.Tree(root + "/var")), "be2's /var", where);
    }

    /// <summary>The pool, the mounts and the console's private directory as before; nothing mounted or pointing there.</summary>
    private protected async Task AssertSameAsync(string where, string pool, string mounts, string run)
    {
        Assert.True(_look.PrivateMounts().Count == 0, $"{where}: left mounted: {string.Join("; ", _look.PrivateMounts())}");
        var poolNow = await _look.PoolAsync();
        Assert.False(poolNow.Contains(LabLook.PrivateRoot, StringComparison.Ordinal), $"{where}: a temporary mountpoint is left:\n{poolNow}");
        LabLook.Same(pool, poolNow, "the pool (bootfs, datasets, mountpoints, origins, carry-over mark)", where);
        LabLook.Same(mounts, _look.Mounts(), "the mounts under the host root", where);
        LabLook.Same(run, LabLook.Tree(_look.Local("/run")), "/run (the console's private directory)", where);
    }

    private protected async Task AssertMigratedAsync(string where, string pool, string mounts, string shared, string run, string be2Var)
    {
        var mark = $"{_look.Lab.Pool}/ROOT/be2\torg.snapupgrade:carryover\t";
        var poolNow = await _look.PoolAsync();
        Assert.DoesNotContain(mark + "-", poolNow);
        var markLine = poolNow.Split('\n').Single(l => l.StartsWith(mark, StringComparison.Ordinal));
        LabLook.Same(pool, poolNow.Replace(markLine, mark + "-", StringComparison.Ordinal), "the pool but for the carry-over mark", where);
        LabLook.Same(mounts, _look.Mounts(), "the mounts under the host root", where);
        LabLook.Same(run, LabLook.Tree(_look.Local("/run")), "/run (the console's private directory)", where);

        var (links, keptAside) = await _look.InsideAsync("be2", root =>
            (Dirs.ToDictionary(d => d, d => new FileInfo($"{root}/var/{d}").LinkTarget),
             Dirs.ToDictionary(d => d, d => LabLook.Tree($"{root}/var/.snapupgrade/migrated/{d}"))));
        foreach (var dir in Dirs)
        {
            Assert.Equal($"shared/{dir}", links[dir]);
            LabLook.Same(Subtree(be2Var, dir), keptAside[dir], $"be2's original /var/{dir} kept aside", where);
        }

        // Every original file is in the shared data: at its name, or beside a different file there as name.be2.
        var before = LabLook.Files(shared);
        var expected = new Dictionary<string, string>(before);
        foreach (var dir in Dirs)
            foreach (var (path, hash) in LabLook.Files(Subtree(be2Var, dir)))
            {
                var name = $"./{dir}{path[1..]}";
                if (before.TryGetValue(name, out var there) && there != hash) name += ".be2";
                expected[name] = hash;
            }
        var sharedNow = LabLook.Tree(_look.Local("/var/shared"));
        LabLook.Same(Lines(expected), Lines(LabLook.Files(sharedNow)), "the files of /var/shared", where);
        Assert.DoesNotContain(SnapUpgrade.Core.Steps.SharedCopy.StagingDirectory, sharedNow);
    }

    private protected static readonly string[] Dirs = ["adm", "log", "mail", "spool"];

    /// <summary>The lines of a tree under ./<paramref name="dir"/>, as a tree of that directory.</summary>
    private protected static string Subtree(string tree, string dir) => string.Join('\n', tree.Split('\n')
        .Where(l => l.Contains($" ./{dir}/", StringComparison.Ordinal)).Select(l => l.Replace($" ./{dir}/", " ./", StringComparison.Ordinal)));

    private protected static string Lines(IReadOnlyDictionary<string, string> files) =>
        string.Join('\n', files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Value} {f.Key}"));

    /// <summary>A file already in the shared data with another content than be2's: it must stay, be2's goes beside it.</summary>
    private protected void WriteSharedBefore()
    {
        Directory.CreateDirectory(_look.Local("/var/shared/log"));
        File.WriteAllText(_look.Local("/var/shared/log/messages"), "written by the host into the shared log before the migration\n");
    }

    /// <summary>
    /// be2's /var/log and /var/mail get a few thousand small files and some MB (written with
    /// System.IO while the console has be2 mounted at /mnt/be2), so a migration takes seconds on zfs-fuse.
    /// Returns what was written: paths under /var to SHA-256.
    /// </summary>
    private protected async Task<IReadOnlyDictionary<string, string>> FillAsync(string be)
    {
        await MustAsync(Server.PostAsync($"api/v1/bes/{be}/mount", new { path = "/mnt/be2" }), $"mount {be}");
        var var = _look.Local("/mnt/be2/var");
        Directory.CreateDirectory($"{var}/log/app");
        Directory.CreateDirectory($"{var}/mail/box");
        var written = new Dictionary<string, string>();
        void Write(string path, byte[] content)
        {
            File.WriteAllBytes($"{var}/{path}", content);
            written[$"./{path}"] = Convert.ToHexStringLower(SHA256.HashData(content));
        }
        for (var i = 0; i < 1200; i++) Write($"log/app/f{i}.log", Encoding.UTF8.GetBytes($"{be} log {i}\n"));
        for (var i = 0; i < 600; i++) Write($"mail/box/m{i}", Encoding.UTF8.GetBytes($"From: {i}\n\nmail {i} of {be}\n"));
        var data = new byte[4 << 20];
        new Random(_seed).NextBytes(data);
        Write("log/big.bin", data);
        Write("log/messages", [.. File.ReadAllBytes($"{var}/log/messages"), .. Encoding.UTF8.GetBytes($"{be}: written before its migration\n")]);
        await MustAsync(Server.PostAsync($"api/v1/bes/{be}/unmount"), $"unmount {be}");
        return written;
    }

    /// <summary>
    /// How long a migration of this data takes: migrates a clone of be2, destroys it, and empties
    /// what it put in the shared data again (by hand: only what <see cref="WriteSharedBefore"/> made stays).
    /// </summary>
    private protected async Task<Window> MeasureMigrationAsync()
    {
        await MustAsync(Server.PostAsync("api/v1/bes", new { name = "calib", source = "be2" }), "create calib");
        var window = await MeasureAsync("api/v1/bes/calib/migrate-shared");
        using (var destroy = await Server.Client.DeleteAsync("api/v1/bes/calib", TestContext.Current.CancellationToken))
            Assert.True(destroy.IsSuccessStatusCode, await destroy.Content.ReadAsStringAsync());
        foreach (var entry in new DirectoryInfo(_look.Local("/var/shared")).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo directory) directory.Delete(recursive: true);
            else entry.Delete();
        }
        WriteSharedBefore();
        return window;
    }

    /// <summary>be1 (booted) writes after be2's clone point: a new log tree and a changed mailbox. Host paths in the shared data, to SHA-256.</summary>
    private protected Dictionary<string, string> WriteLate()
    {
        var late = new Dictionary<string, string>();
        Directory.CreateDirectory(_look.Local("/var/log/late"));
        for (var i = 0; i < 2000; i++)
        {
            var path = _look.Local($"/var/log/late/l{i}.log");
            File.WriteAllText(path, $"be1 wrote this after the clone {i}\n");
            late[$"./log/late/l{i}.log"] = LabLook.Hash(path);
        }
        File.AppendAllText(_look.Local("/var/mail/root"), "From: late\n\nmail after the clone\n");
        late["./mail/root.be1"] = LabLook.Hash(_look.Local("/var/mail/root"));
        return late;
    }

    /// <summary>Waits until the carry-over mounts be1 in the console's private directory; null when the call ended first.</summary>
    private protected async Task<string?> WaitForPrivateMountAsync(Task<HttpResponseMessage> call)
    {
        var deadline = Stopwatch.StartNew();
        while (!call.IsCompleted && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_look.PrivateMounts().FirstOrDefault() is { } mount) return mount;
            await Task.Delay(2);
        }
        return null;
    }

    /// <summary>
    /// When, after the request is sent, the engine changes the host: from the time a dry run takes
    /// (the same reading, checking and planning, then the answer) to the time the real call takes.
    /// </summary>
    protected sealed record Window(TimeSpan Start, TimeSpan End)
    {
        public override string ToString() => $"changes from {Ms(Start)} to {Ms(End)}";
    }

    /// <summary>Times a dry run, then the call itself (which must succeed): the window in which a kill finds it changing the host.</summary>
    private protected async Task<Window> MeasureAsync(string path, object? body = null)
    {
        await WarmAsync(path, body);
        var clock = Stopwatch.StartNew();
        await WarmAsync(path, body);
        var start = clock.Elapsed;
        clock.Restart();
        await MustAsync(Server.PostAsync(path, body), path);
        return new Window(start, clock.Elapsed);
    }

    /// <summary>
    /// One kill before the engine changes anything, <paramref name="spread"/> spread over the window
    /// (one in each slice), one late. The spread ends at 80 % of the window: the measured call ran
    /// first on cold caches, and a kill after the end leaves nothing for the later ones.
    /// </summary>
    private protected static List<TimeSpan> Delays(Random random, Window window, int spread)
    {
        var length = TimeSpan.FromTicks(Math.Max(0, (window.End * 0.8 - window.Start).Ticks));
        var delays = new List<TimeSpan> { window.Start * random.NextDouble() };
        for (var i = 0; i < spread; i++) delays.Add(window.Start + length * ((i + random.NextDouble()) / spread));
        delays.Add(window.Start + (window.End - window.Start) * (0.85 + 0.1 * random.NextDouble()));
        delays.Sort();
        return delays;
    }

    private protected async Task<JsonElement> MustAsync(Task<HttpResponseMessage> call, string what)
    {
        using var answer = await call;
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"seed {_seed}, {what}: {(int)answer.StatusCode} {body}\n{Server.Output}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private protected static string Describe(JsonElement? row) => row is not { } r
        ? "no audit row, nothing changed"
        : $"{r.GetProperty("outcome").GetString()} by {r.GetProperty("actor").GetString()}: {r.GetProperty("message").GetString()}";

    private protected static string Ms(TimeSpan time) => $"{time.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)} ms";
}
