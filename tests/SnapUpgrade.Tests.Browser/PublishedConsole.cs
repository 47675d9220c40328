using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// The console as <c>dotnet publish web</c> lays it out (published once per test class into a temp
/// folder), started as an OS process through its apphost from any working directory: a simulated host,
/// a temp DataDir and a free loopback port each start, as a service unit without WorkingDirectory starts it.
/// </summary>
public sealed class PublishedConsole : IAsyncLifetime
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _temp = Directory.CreateTempSubdirectory("snapupgrade-published-").FullName;

    /// <summary>The published folder: the apphost, its dlls, wwwroot.</summary>
    public string AppDir => Path.Combine(_temp, "app");

    public async ValueTask InitializeAsync()
    {
        var (exit, output) = await RunAsync("dotnet",
            ["publish", Path.Combine(RepoRoot.Find(), "web"), "-c", "Release", "-o", AppDir, "--nologo"], PublishTimeout);
        Assert.True(exit == 0, $"dotnet publish (exit {exit}):\n{output}");
    }

    /// <summary>Starts the published apphost in <paramref name="workingDirectory"/> and waits for /healthz.</summary>
    public async Task<Running> StartAsync(string workingDirectory)
    {
        var dataDir = Path.Combine(_temp, $"data-{Guid.NewGuid():N}");
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(AppDir, "SnapUpgrade.Web"))
        {
            WorkingDirectory = workingDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // The runtime this test runs on, wherever it is installed (the apphost looks in /usr/share/dotnet etc. otherwise).
        start.Environment["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        start.Environment["SnapUpgrade__Backend"] = "simulated";
        start.Environment["SnapUpgrade__DataDir"] = dataDir;
        start.Environment["SnapUpgrade__StateFile"] = Path.Combine(dataDir, "simulator", "host.json");
        var running = new Running(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"), dataDir);
        try
        {
            await running.WaitUntilHealthyAsync(StartTimeout);
            return running;
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_temp, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>One started console; disposing kills it.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();

        internal Running(Process process, Uri baseAddress, string dataDir)
        {
            _process = process;
            BaseAddress = baseAddress;
            DataDir = dataDir;
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Uri BaseAddress { get; }
        public string DataDir { get; }

        /// <summary>What the console wrote (for failure messages).</summary>
        public string Output => string.Join('\n', _output.TakeLast(60));

        public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        internal async Task WaitUntilHealthyAsync(TimeSpan limit)
        {
            using var client = CreateClient();
            await ProcessAnswers.UntilOkAsync(_process, client, "healthz", limit, () => Output);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            using (var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(15))) await _process.WaitForExitAsync(bounded.Token);
            _process.Dispose();
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var bounded = new CancellationTokenSource(limit);
        var stdout = process.StandardOutput.ReadToEndAsync(bounded.Token);
        var stderr = process.StandardError.ReadToEndAsync(bounded.Token);
        await process.WaitForExitAsync(bounded.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
