using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>
/// The console as installed (ADR 0019): the built app in the <c>engine</c> role as root over a zfs-fuse lab
/// pool, its socket in a temp directory, and the same app in the <c>web</c> role as a system user made for
/// the test (in a group made for the test, the socket's group), with a DataDir it owns. A second user, in
/// no such group, stands for everyone else. The users and the group are removed at the end. One pair per
/// test class; every wait is bounded.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // users, groups, setpriv and socket modes are Linux things
public sealed class SplitConsole : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly IProcessRunner Runner = new ProcessRunner(TimeSpan.FromSeconds(60));
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentQueue<string> _output = new();
    private readonly List<Process> _processes = [];
    private BootedZfsFuseLab? _lab;
    private bool _usersMade;
    private int _runs;

    public string Group => $"susplit{_id}";
    public string WebUser => $"suweb{_id}";
    public string Outsider => $"suout{_id}";
    public string Root => Path.Combine(Path.GetTempPath(), $"snapupgrade-split-{_id}");
    public string Socket => Path.Combine(Root, "run", "engine.sock");
    public string EngineDataDir => Path.Combine(Root, "engine");
    public string WebDataDir => Path.Combine(Root, "web");
    public string Pool => _lab!.Host.Pool;
    /// <summary>The lab's host root: where the engine sees "/" (the booted BE, /var/shared) as a local path.</summary>
    public string HostRoot => _lab!.Host.HostRoot;
    public Process Engine { get; private set; } = default!;
    public Process Web { get; private set; } = default!;
    public HttpClient Client { get; private set; } = new();
    public bool Started => _lab is not null;

    /// <summary>What the processes wrote (for failure messages).</summary>
    public string Output => string.Join('\n', _output.TakeLast(120));

    /// <summary>The tools the pair needs besides ZFS: users and a group made, processes run as them, a socket client.</summary>
    private static readonly string[] Tools = ["setpriv", "useradd", "userdel", "groupadd", "groupdel", "curl"];

    private static bool ToolsPresent => Tools.All(tool =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, tool))));

    /// <summary>Each test's first line: a real ZFS, root, and the tools; skipped loudly without them (a failure in CI).</summary>
    public static void Require()
    {
        Lane.RequireZfsFuse();
        Lane.Require(ToolsPresent, string.Join(", ", Tools));
    }

    public async ValueTask InitializeAsync()
    {
        if (!ToolsPresent) return;
        _lab = await BootedZfsFuseLab.CreateIfInstalledAsync();
        if (_lab is null) return;
        await MustAsync("groupadd", "--system", Group);
        _usersMade = true;
        await MustAsync("useradd", "--system", "--gid", Group, "--no-create-home", "--home-dir", WebDataDir, "--shell", "/usr/sbin/nologin", WebUser);
        await MustAsync("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", Outsider);
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        // As the engine unit's RuntimeDirectory is: root's, 0755; the socket's own mode keeps others out.
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        File.SetUnixFileMode(Path.GetDirectoryName(Socket)!, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(WebDataDir);
        await MustAsync("chown", $"{WebUser}:{Group}", WebDataDir);

        Engine = StartEngine();
        await WaitForSocketAsync();
        var token = await AsWebUserAsync(["token", "create", "--role", "admin", "--name", "split", "--expires", "1d"]);
        var port = FreePort();
        Web = Start("web", WebArgv(), WebEnvironment(new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" }));
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(3) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
        await WaitForWebAsync();
    }

    /// <summary>The engine as root: the lab's settings, the engine role, the socket and its group.</summary>
    public Process StartEngine(IReadOnlyDictionary<string, string>? overrides = null, string name = "engine")
    {
        var environment = new Dictionary<string, string>
        {
            ["SnapUpgrade__Role"] = "engine",
            ["SnapUpgrade__Engine__Socket"] = Socket,
            ["SnapUpgrade__Engine__Group"] = Group,
            ["SnapUpgrade__DataDir"] = EngineDataDir,
        };
        foreach (var (key, value) in _lab!.ConsoleSettings) environment[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) environment[key] = value;
        return Start(name, [.. EngineBound(), "dotnet", ConsoleProcess.WebDll], environment);
    }

    /// <summary>
    /// The engine unit's confinement that works without systemd (none runs as PID 1 here): its
    /// <c>CapabilityBoundingSet=</c>, read from infra/install/snapupgrade-engine.service, and
    /// <c>NoNewPrivileges=</c>, by setpriv. So the flow proves the engine does its work within the unit's bound.
    /// </summary>
    public static string[] EngineBound() =>
        ["setpriv", $"--bounding-set=-all,{string.Join(',', EngineCapabilities().Select(c => "+" + c[4..].ToLowerInvariant()))}", "--no-new-privs", "--"];

    /// <summary>The engine unit's <c>CapabilityBoundingSet=</c>, as written there (CAP_SYS_ADMIN ...).</summary>
    public static IReadOnlyList<string> EngineCapabilities() =>
        File.ReadLines(Path.Combine(RepoRoot.Find(), "infra", "install", "snapupgrade-engine.service"))
            .Single(l => l.StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal))["CapabilityBoundingSet=".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The argv that runs the app as <paramref name="user"/> (its groups from /etc/group), no capability kept.</summary>
    public static string[] AsUser(string user, string group, params string[] argv) =>
        ["setpriv", "--reuid", user, "--regid", group, "--init-groups", "--inh-caps=-all", "--", .. argv];

    private string[] WebArgv() => AsUser(WebUser, Group, "dotnet", ConsoleProcess.WebDll);

    /// <summary>The web role's settings: its own DataDir, the engine's socket; nothing of the pool.</summary>
    public Dictionary<string, string> WebEnvironment(Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["SnapUpgrade__Role"] = "web",
            ["SnapUpgrade__Engine__Socket"] = Socket,
            ["SnapUpgrade__DataDir"] = WebDataDir,
            ["HOME"] = WebDataDir,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            // The build output's static-assets manifest points into root's NuGet cache, which this user cannot
            // read (a published app has them in wwwroot): no manifest; the API under test serves no static file.
            ["ASPNETCORE_STATICWEBASSETS"] = Path.Combine(WebDataDir, "no-static-web-assets.json"),
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    /// <summary>The admin CLI as the web's user, on the web's DataDir (its audit rows go to the engine); its stdout.</summary>
    public async Task<string> AsWebUserAsync(string[] args)
    {
        var name = $"cli{Interlocked.Increment(ref _runs)}";
        using var process = Start(name, [.. WebArgv(), .. args], WebEnvironment([]));
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(bounded.Token);
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', args)}: exit {process.ExitCode}\n{Output}");
        return string.Join('\n', _output.Where(l => l.StartsWith($"[{name}] ", StringComparison.Ordinal)).Select(l => l[(name.Length + 3)..]));
    }

    public Process Start(string name, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            // Its own folder: the content root of a console started from the build output (TESTING.md).
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in argv.Skip(1)) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue($"[{name}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue($"[{name}!] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    /// <summary>The engine again (after a kill), on the same socket, DataDir and pool, with <paramref name="overrides"/> of its settings.</summary>
    public void RestartEngine(IReadOnlyDictionary<string, string>? overrides = null, string name = "engine") => Engine = StartEngine(overrides, name);

    /// <summary>
    /// Until the engine answers on its socket and has made it the group's (mode 0660): then it serves.
    /// A stale file left by a killed engine has that mode too, but nothing answers on it.
    /// </summary>
    public async Task WaitForSocketAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!(Answers(Socket) && File.GetUnixFileMode(Socket) == (UnixFileMode)0b110_110_000))
        {
            if (Engine.HasExited) throw new InvalidOperationException($"the engine exited with {Engine.ExitCode}:\n{Output}");
            if (clock.Elapsed > StartTimeout) throw new TimeoutException($"the engine made no socket within {StartTimeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    private Task WaitForWebAsync() => ProcessAnswers.UntilOkAsync(Web, Client, "healthz", StartTimeout, () => Output, "the web");

    private static bool Answers(string socket)
    {
        using var probe = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Calls until the web listens (a refused connection means it is still starting); bounded.</summary>
    public static async Task<T> UntilAnsweredAsync<T>(Func<Task<T>> call)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (HttpRequestException) when (clock.Elapsed < StartTimeout)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>The lines one process wrote (stdout and stderr).</summary>
    public string OutputOf(string name) =>
        string.Join('\n', _output.Where(l => l.StartsWith($"[{name}] ", StringComparison.Ordinal) || l.StartsWith($"[{name}!] ", StringComparison.Ordinal)));

    public static async Task<ProcessResult> RunAsync(params string[] argv) => await Runner.RunAsync(argv);

    private static async Task MustAsync(params string[] argv) => (await RunAsync(argv)).EnsureSuccess();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await process.WaitForExitAsync(bounded.Token);
            }
            catch (InvalidOperationException)
            {
                // it had exited already
            }
            process.Dispose();
        }
        if (_usersMade)
        {
            await RunAsync("userdel", WebUser);
            await RunAsync("userdel", Outsider);
            await RunAsync("groupdel", Group);
        }
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        if (_lab is not null) await _lab.DisposeAsync();
    }
}
