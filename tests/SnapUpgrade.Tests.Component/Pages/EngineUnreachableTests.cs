using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Remote;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Components.Pages.Overview;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

/// <summary>
/// The web role's page when the engine's socket is not there: the real <see cref="RemoteHostStateStream"/>
/// (on a real, missing, socket path) drives the same error banner the watcher drives in one process.
/// </summary>
public sealed class EngineUnreachableTests : BunitContext
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("snapupgrade-unreachable-");
    private readonly EngineClient _client;
    private readonly RemoteHostStateStream _remote;

    public EngineUnreachableTests()
    {
        _client = new EngineClient(Path.Combine(_dir.FullName, "run", "engine.sock"));
        _remote = new RemoteHostStateStream(_client, new RemoteEngine(_client), NullLogger<RemoteHostStateStream>.Instance);
        var engine = new FakeEngine();
        var audit = new FakeAuditLog();
        this.AddTestServices(engine, context =>
        {
            var auth = context.AddAuthorization();
            auth.SetAuthorized("alice");
            auth.SetRoles("admin");
            context.Services.AddSingleton<IHostStateStream>(_remote);
            context.Services.AddSingleton<IAuditLog>(audit);
            context.Services.AddSingleton(new AuditedOperations(engine, audit, _remote));
        });
    }

    [Fact]
    public async Task OverviewPage_EngineSocketMissing_ShowsWhyAndWhatToDo()
    {
        await _remote.StartAsync(Xunit.TestContext.Current.CancellationToken);

        var cut = Render<OverviewPage>();

        cut.WaitForAssertion(() => Assert.Contains($"The engine socket {_client.Socket} is missing (its directory does not exist): is snapupgrade-engine running?",
            cut.Find("[data-testid=load-error]").TextContent), TestServices.Wait);
        Assert.Empty(cut.FindAll("[data-testid=pool]"));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _remote.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            _remote.Dispose();
            _client.Dispose();
            _dir.Delete(recursive: true);
        }
        base.Dispose(disposing);
    }
}
