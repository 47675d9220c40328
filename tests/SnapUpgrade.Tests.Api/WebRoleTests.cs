using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Remote;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// The web role on its own (no engine needed): what it is made of, and what it says when the engine's
/// socket is missing or stale: /healthz is not 200 and names the cause, without running anything.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class WebRoleTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("snapupgrade-webrole-");

    private WebApplicationFactory<Program> Web(string socket) => new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
        .UseEnvironment("Production")
        .UseSetting("SnapUpgrade:Role", "web")
        .UseSetting("SnapUpgrade:Engine:Socket", socket)
        .UseSetting("SnapUpgrade:DataDir", Path.Combine(_dir.FullName, "data")));

    /// <summary>/healthz until it names <paramref name="expected"/> (the stream's first attempt may not have failed yet); bounded.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> HealthAsync(HttpClient client, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var answer = await client.GetAsync("healthz", ct);
            var body = await answer.Content.ReadAsStringAsync(ct);
            if (body.Contains(expected, StringComparison.Ordinal) || bounded.IsCancellationRequested) return (answer.StatusCode, body);
            await Task.Delay(50, ct);
        }
    }

    [Fact]
    public void Services_WebRole_HaveNoBackendJournalWatcherOrProcessRunner()
    {
        using var web = Web(Path.Combine(_dir.FullName, "engine.sock"));
        var services = web.Services;

        Assert.IsType<RemoteEngine>(services.GetRequiredService<IEngine>());
        Assert.IsType<RemoteAuditLog>(services.GetRequiredService<IAuditLog>());
        Assert.IsType<RemoteHostStateStream>(services.GetRequiredService<IHostStateStream>());
        Assert.NotNull(services.GetRequiredService<AuditedOperations>());
        Assert.All(new[]
        {
            typeof(SimulatedZfs), typeof(IZfs), typeof(IMounts), typeof(IHostFiles), typeof(IProcessRunner), typeof(IOperationJournal),
            typeof(EngineHost), typeof(HostWatcher), typeof(SqliteAuditLog), typeof(AuditAnchorWriter),
        }, type => Assert.True(services.GetService(type) is null, $"{type.Name} is registered in the web role"));
        var hosted = services.GetServices<IHostedService>().Select(s => s.GetType()).ToList();
        Assert.DoesNotContain(typeof(EngineStartup), hosted);
        Assert.DoesNotContain(typeof(HostWatcher), hosted);
        Assert.DoesNotContain(hosted, t => t.Name == "TrialWatch");
        Assert.Contains(typeof(RemoteHostStateStream), hosted);
    }

    [Fact]
    public async Task Healthz_EngineSocketMissing_Answers503NamingTheSocket()
    {
        var socket = Path.Combine(_dir.FullName, "run", "engine.sock");
        using var web = Web(socket);
        using var client = web.CreateClient();

        var (status, body) = await HealthAsync(client, "is missing");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal($"Unhealthy: The engine socket {socket} is missing (its directory does not exist): is snapupgrade-engine running?", body);
        Assert.Equal(body["Unhealthy: ".Length..], web.Services.GetRequiredService<IHostStateStream>().Error);
    }

    [Fact]
    public async Task Healthz_StaleSocketFile_Answers503SayingNothingAnswers()
    {
        var socket = Path.Combine(_dir.FullName, "engine.sock");
        using (var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // .NET removes the file a socket bound when disposed: moved, it stays behind as a killed engine's does.
            bound.Bind(new UnixDomainSocketEndPoint(socket + ".bound"));
            File.Move(socket + ".bound", socket);
        }
        using var web = Web(socket);
        using var client = web.CreateClient();

        var (status, body) = await HealthAsync(client, "Nothing answers");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal($"Unhealthy: Nothing answers on the engine socket {socket} (connection refused: a stale socket file): start snapupgrade-engine.", body);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
