using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Components.Pages.BootEnvironments;

namespace SnapUpgrade.Tests.Component.BootEnvironments;

/// <summary>The boot environments page with a signed-in user, a planning engine, an in-memory audit log and the providers the layout gives.</summary>
public abstract class BePageTest : BunitContext
{
    protected PlanningEngine Engine { get; } = new();
    protected RecordingAuditLog Audit { get; } = new();
    protected FakeHostStateStream Stream { get; }
    protected RecordingProcessRunner Runner { get; } = new();
    protected BunitAuthorizationContext Auth { get; }
    protected HostSettings Settings { get; set; } = new()
    {
        Backend = Backend.Simulated, Pool = "rpool", HostRoot = "/", DataDir = "/tmp/unused",
    };

    protected BePageTest()
    {
        BunitAuthorizationContext? auth = null;
        Stream = new FakeHostStateStream(Engine);
        this.AddTestServices(Engine, stream: Stream, configure: context =>
        {
            auth = context.AddAuthorization();
            context.Services.AddSingleton<IAuditLog>(Audit);
            context.Services.AddSingleton(new AuditedOperations(Engine, Audit, Stream));
            context.Services.AddSingleton(_ => Settings);
            context.Services.AddSingleton<IProcessRunner>(Runner);
        });
        Auth = auth!;
        SignIn("alice", "admin");
    }

    protected void SignIn(string name, string role)
    {
        Auth.SetAuthorized(name);
        Auth.SetRoles(role);
    }

    /// <summary>Renders the providers (dialogs, snackbars, popovers), then the page once it shows the table.</summary>
    protected (IRenderedComponent<BootEnvironmentsPage> Page, IRenderedComponent<MudDialogProvider> Dialogs, IRenderedComponent<MudSnackbarProvider> Snackbars) RenderPage()
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<BootEnvironmentsPage>();
        page.WaitForElement("[data-testid=be-table]", TimeSpan.FromSeconds(5));
        return (page, dialogs, snackbars);
    }

    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
}
