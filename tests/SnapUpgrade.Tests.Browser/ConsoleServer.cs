using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Web.Auth;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace SnapUpgrade.Tests.Browser;

/// <summary>
/// The console on real Kestrel (a free loopback port) over a fresh simulated host in a temp
/// directory: the tests never touch the user's simulator state or database. Subclasses give other
/// backends (<see cref="ZfsFuseConsoleServer"/>) or a host of their own to change (<see cref="FlowServer"/>).
/// </summary>
public class ConsoleServer : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _factory;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), $"snapupgrade-browser-{Guid.NewGuid():N}");
    public Uri BaseAddress { get; private set; } = default!;
    public IEngine Engine => _factory!.Services.GetRequiredService<IEngine>();
    public TimeSpan StartTime { get; private set; }
    public IServiceProvider Services => _factory!.Services;
    /// <summary>False when the backend's real part is missing (the tests then skip or fail through <c>Lane</c>).</summary>
    public bool Started => _factory is not null;

    /// <summary>The backend's settings; null when its real part is missing (nothing starts).</summary>
    protected virtual Task<IReadOnlyDictionary<string, string?>?> PrepareAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>?>(new Dictionary<string, string?>
        {
            ["SnapUpgrade:Backend"] = "simulated",
            ["SnapUpgrade:StateFile"] = Path.Combine(DataDir, "simulator", "host.json"),
        });

    public async ValueTask InitializeAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        if (await PrepareAsync() is not { } settings) return;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            // Production, as deployed: proves the static files work outside Development.
            web.UseEnvironment("Production").UseSetting("SnapUpgrade:DataDir", DataDir);
            // Every test signs in from 127.0.0.1, more often than the login rate limit allows a person.
            web.UseSetting(LoginRateLimit.Setting, "1000");
            foreach (var (key, value) in settings) web.UseSetting(key, value);
        });
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        _factory = factory;
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        StartTime = started.Elapsed;
    }

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>A first-start account's password, from the file the console wrote in DataDir
    /// (admin; and operator and auditor, the simulated demo's).</summary>
    public string Password(string name) => Password(DataDir, name);

    /// <summary>A first-start account's password, from the file a console wrote in <paramref name="dataDir"/>.</summary>
    public static string Password(string dataDir, string name) =>
        File.ReadAllLines(FirstStart.PasswordFile(dataDir)).Select(l => l.Split(':', 2)).Single(p => p[0] == name)[1];

    /// <summary>Logs in through the login form and waits for the console to show who is signed in.</summary>
    public Task LoginAsync(IPage page, string name = "admin") => LoginAsync(page, DataDir, name);

    /// <summary>Logs in to the console whose DataDir is <paramref name="dataDir"/> (a console of its own process too).</summary>
    public static async Task LoginAsync(IPage page, string dataDir, string name)
    {
        await page.GotoAsync("login");
        await page.GetByLabel("Name").FillAsync(name);
        await page.GetByLabel("Password").FillAsync(Password(dataDir, name));
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("user")).ToContainTextAsync($"{name} (");
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_factory is not null) await CleanupFailures.GuardAsync(GetType().FullName!, _factory.DisposeAsync);
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // a log file still being closed: the temp dir is cleaned by the OS later
        }
        GC.SuppressFinalize(this);
    }
}
