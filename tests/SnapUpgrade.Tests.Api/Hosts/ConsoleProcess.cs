using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>
/// The built console (<c>SnapUpgrade.Web.dll</c> next to this test assembly, as <c>CliTests</c> runs
/// it) as an OS process of its own, started with <c>dotnet</c>, the settings as environment
/// variables and a fresh loopback port each start, so it can be killed with SIGKILL and started
/// again on the same DataDir and pool. Calls go over real HTTP with an admin token made by the
/// admin CLI (<c>token create</c>) on that DataDir. Every wait is bounded.
/// </summary>
public sealed class ConsoleProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private string _token = "";
    private int _starts;

    private ConsoleProcess(IReadOnlyDictionary<string, string?> settings) => _settings = settings;

    public static string WebDll => Path.Combine(AppContext.BaseDirectory, "SnapUpgrade.Web.dll");

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"snapupgrade-kill-{Guid.NewGuid():N}");
    public HttpClient Client { get; private set; } = new();
    /// <summary>How long the last start took until the console answered (it reconciles and carries over before that).</summary>
    public TimeSpan LastStart { get; private set; }

    /// <summary>
    /// Makes the admin token with the CLI and starts the console.
    /// <paramref name="settings"/> are configuration keys (<c>SnapUpgrade:Pool</c>), passed as environment variables.
    /// </summary>
    public static async Task<ConsoleProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var console = new ConsoleProcess(settings);
        Directory.CreateDirectory(console.DataDir);
        try
        {
            console._token = await console.CreateTokenAsync();
            await console.StartAsync();
            return console;
        }
        catch
        {
            await console.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the console again (after <see cref="KillAsync"/>) and waits until it answers.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("the console is still running");
        _process?.Dispose();
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            // Its own folder: the content root of a console started from the build output (TESTING.md).
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(WebDll);
        SetEnvironment(start);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var number = ++_starts;
        _output.Enqueue($"--- start {number} on port {port}");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue($"[{number}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue($"[{number}!] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        Client.Dispose();
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(120) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);

        // It takes requests only once the engine started: reconciled, carried over (EngineStartup).
        LastStart = await ProcessAnswers.UntilOkAsync(process, Client, "api/v1/host", StartTimeout, () => Output);
    }

    /// <summary>kill -9 of the console and every process it started (rsync, zfs, mount), as a crash or OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process) return;
        _output.Enqueue($"--- kill -9 of {process.Id}");
        try
        {
            process.Kill(entireProcessTree: true); // SIGKILL on Linux
        }
        catch (InvalidOperationException)
        {
            // it had exited already
        }
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await process.WaitForExitAsync(bounded.Token);
    }

    /// <summary>
    /// SIGTERM to the console alone, as <c>systemctl stop</c> sends it with the engine unit's KillMode=mixed (the
    /// processes it started are its own to stop), then waits for it to exit: within <paramref name="limit"/>, or
    /// it is killed with its tree and this throws.
    /// </summary>
    public async Task StopAsync(TimeSpan limit)
    {
        if (_process is not { } process) return;
        _output.Enqueue($"--- SIGTERM to {process.Id}");
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) } })!)
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        using var bounded = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"the console did not stop within {limit.TotalSeconds} s of SIGTERM\n{Output}");
        }
        _output.Enqueue($"--- exited with {process.ExitCode}");
    }

    /// <summary>POST with a JSON body (or none); the answer is returned whatever its status.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        Client.PostAsync(path, body is null ? null : JsonContent.Create(body), TestContext.Current.CancellationToken);

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var answer = await Client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(answer.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
        return await answer.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    /// <summary>The audit rows of one action (on one target), newest first, read through the API.</summary>
    public async Task<IReadOnlyList<JsonElement>> AuditAsync(string action, string? target)
    {
        var query = $"api/v1/audit?action={Uri.EscapeDataString(action)}&pageSize=200";
        if (target is not null) query += $"&target={Uri.EscapeDataString(target)}";
        return [.. (await GetJsonAsync(query)).GetProperty("entries").EnumerateArray()];
    }

    /// <summary>
    /// The newest operation journal rows, read from the SQLite file itself (for failure messages:
    /// what the engine had recorded when an attempt left no audit row).
    /// </summary>
    public string JournalTail()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDir, SqliteDatabase.DefaultFileName)};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, action, target, outcome, finished_ms - started_ms, message FROM operation_journal ORDER BY id DESC LIMIT 3";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString())));
        return "journal, newest first: " + string.Join(" // ", rows);
    }

    /// <summary>
    /// The newest operation journal row as the running console left it: its id, how many of its
    /// steps have started, and its message (null while it runs). Read from the SQLite file itself,
    /// so a test can kill the console once its engine is at a given step of a plan.
    /// </summary>
    public (long Id, int StepsStarted, string? Message) LastJournalRow()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDir, SqliteDatabase.DefaultFileName)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, steps_started, message FROM operation_journal ORDER BY id DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : (0, 0, null);
    }

    /// <summary>What the console wrote to stdout and stderr over all its starts (for failure messages).</summary>
    public string Output => string.Join('\n', _output.TakeLast(80));

    private async Task<string> CreateTokenAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[] { WebDll, "token", "create", "--role", "admin", "--name", "kill", "--expires", "1d" })
            start.ArgumentList.Add(arg);
        SetEnvironment(start);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60))) await process.WaitForExitAsync(bounded.Token);
        Assert.True(process.ExitCode == 0, $"token create: exit {process.ExitCode}: {await stderr}");
        return (await stdout).Trim();
    }

    private void SetEnvironment(ProcessStartInfo start)
    {
        foreach (var (key, value) in _settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        start.Environment["SnapUpgrade__DataDir"] = DataDir;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        Client.Dispose();
        try
        {
            if (Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // a file still being closed: the temp dir is cleaned by the OS later
        }
    }
}
