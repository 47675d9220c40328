using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Support;

namespace SnapUpgrade.Scale;

/// <summary>
/// The console over one <see cref="ScaleHost"/>, as a process of its own (this program's <c>serve</c>,
/// <see cref="ServedConsole"/>). Its reads are counted: on the simulator the listings it reports; on
/// zfs-fuse every zfs and zpool process it starts, through tests/scale/counting-bin first on its PATH.
/// </summary>
public sealed class ScaleConsole : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _token = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string? _zfsLog;
    private int _listings;
    private TaskCompletionSource<long> _heap = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ScaleConsole(Process process, string dataDir, string? zfsLog)
    {
        _process = process;
        DataDir = dataDir;
        _zfsLog = zfsLog;
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;
    public string DataDir { get; }
    public Uri BaseAddress { get; private set; } = default!;
    /// <summary>An API client with an admin token.</summary>
    public HttpClient Api { get; private set; } = default!;
    /// <summary>How long the start took until the console served (the first read of the pool included).</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>
    /// The reads so far: listings on the simulator (each one a <c>zfs get -r</c> on a real host), zfs and
    /// zpool processes on zfs-fuse (a listing is two: <c>zpool list</c> and <c>zfs get -r</c>).
    /// </summary>
    public int Reads => _zfsLog is null ? Volatile.Read(ref _listings) : File.Exists(_zfsLog) ? File.ReadLines(_zfsLog).Count() : 0;

    /// <summary>What <see cref="Reads"/> counts, for the table.</summary>
    public string ReadsAre => _zfsLog is null ? "listings" : "zfs/zpool processes";

    /// <summary>The console's last lines (for failure messages).</summary>
    public string Output => string.Join('\n', _output.TakeLast(40));

    public static async Task<ScaleConsole> StartAsync(ScaleHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(typeof(ScaleConsole).Assembly.Location);
        start.ArgumentList.Add("serve");
        foreach (var (key, value) in host.Settings) start.Environment[$"SnapUpgrade__{key}"] = value;
        start.Environment["SnapUpgrade__DataDir"] = host.DataDir;
        // The GC the console's own runtimeconfig asks for: its memory is what is measured.
        start.Environment["DOTNET_gcServer"] = WebUsesServerGc() ? "1" : "0";
        // Ten logins from 127.0.0.1 within a minute are more than a person's rate allows.
        start.Environment["SnapUpgrade__LoginAttemptsPerMinute"] = "1000";
        string? zfsLog = null;
        if (host.Backend == ScaleHost.ZfsFuse)
        {
            Directory.CreateDirectory(host.DataDir);
            zfsLog = Path.Combine(host.DataDir, "zfs-processes.log");
            start.Environment["SNAPUPGRADE_SCALE_ZFS_LOG"] = zfsLog;
            start.Environment["SNAPUPGRADE_SCALE_ZFS_DIR"] = Path.GetDirectoryName(FindOnPath("zfs"));
            start.Environment["PATH"] = $"{Path.Combine(RepoRoot.Find(), "tests", "scale", "counting-bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        }
        var console = new ScaleConsole(Process.Start(start)!, host.DataDir, zfsLog);
        try
        {
            using var bounded = new CancellationTokenSource(StartTimeout);
            var exited = console._process.WaitForExitAsync(bounded.Token);
            var address = console._address.Task;
            if (await Task.WhenAny(address, exited) != address)
                throw new InvalidOperationException($"the console did not start (exit {(console._process.HasExited ? console._process.ExitCode : -1)}):\n{console.Output}");
            console.BaseAddress = await address;
            console.Api = new HttpClient { BaseAddress = console.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            console.Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await console._token.Task.WaitAsync(bounded.Token));
            console.StartTime = clock.Elapsed;
            return console;
        }
        catch
        {
            await console.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until the console's start has settled: its first read of the host done (/healthz waits for it)
    /// and no zfs or zpool process of its own still running (on zfs-fuse a listing at 1000 BEs takes seconds,
    /// and one begun before a window would cost the daemon in it without being counted there).
    /// </summary>
    public async Task SettleAsync()
    {
        using (var health = await Api.GetAsync("healthz")) health.EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();
        while (ProcStat.Children(Pid, ZfsCommands) > 0)
        {
            if (clock.Elapsed > StartTimeout) throw new TimeoutException($"the console's zfs processes did not end within {StartTimeout}:\n{Output}");
            await Task.Delay(200);
        }
    }

    private static readonly HashSet<string> ZfsCommands = ["zfs", "zpool"];

    /// <summary>
    /// The console's live managed heap: the bytes still reachable after a full compacting collection it
    /// runs when asked. RSS also holds what the GC keeps for later; this is what the console's state, its
    /// circuits and its caches really hold.
    /// </summary>
    public async Task<long> LiveHeapAsync()
    {
        _heap = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _process.StandardInput.WriteLineAsync("heap");
        await _process.StandardInput.FlushAsync();
        return await _heap.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>The admin's first-start password, from the file the console wrote in its DataDir.</summary>
    public string AdminPassword() =>
        File.ReadAllLines(FirstStart.PasswordFile(DataDir)).Select(l => l.Split(':', 2)).Single(p => p[0] == "admin")[1];

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        if (!_process.HasExited)
        {
            // Closing stdin stops it as a service stop would: the host shuts down, the watcher ends.
            _process.StandardInput.Close();
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(bounded.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
        if (!line.StartsWith(ServedConsole.Prefix, StringComparison.Ordinal)) return;
        var said = line[ServedConsole.Prefix.Length..].Split(' ', 2);
        switch (said[0])
        {
            case "listening": _address.TrySetResult(new Uri(said[1])); break;
            case "token": _token.TrySetResult(said[1]); break;
            case "listings": Volatile.Write(ref _listings, int.Parse(said[1], CultureInfo.InvariantCulture)); break;
            case "heap": _heap.TrySetResult(long.Parse(said[1], CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>Whether the console's runtimeconfig (SnapUpgrade.Web's, copied beside this program) asks for the server GC.</summary>
    private static bool WebUsesServerGc()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "SnapUpgrade.Web.runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
            && properties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean();
    }

    private static string FindOnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, command)).FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{command} is not on PATH");
}
