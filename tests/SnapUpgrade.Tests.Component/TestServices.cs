using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Components.Pages.Admin;
using SnapUpgrade.Web.Components.Pages.BootEnvironments;

namespace SnapUpgrade.Tests.Component;

public static class TestServices
{
    /// <summary>
    /// How long a wait for the UI may take before the test fails. A wait only costs time when it
    /// fails, so it is generous: renders that take milliseconds take seconds on a loaded 2-core
    /// machine. How fast the UI is, is measured in the benchmark project, not asserted here.
    /// </summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The one set-up of every component test, in the order MudBlazor 9 needs (TESTING.md).</summary>
    /// <param name="configure">More services (e.g. <c>AddAuthorization</c>), added before the renderer info, which must come last.</param>
    /// <param name="stream">The live state; by default a <see cref="FakeHostStateStream"/> seeded from the engine.</param>
    public static void AddTestServices(this BunitContext context, IEngine engine, Action<BunitContext>? configure = null,
        FakeHostStateStream? stream = null)
    {
        BunitContext.DefaultWaitTimeout = Wait; // for every WaitFor without its own timeout
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(engine);
        // The console's clock ("checked 12 minutes ago"); a test that needs a fixed one adds its own in configure.
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton<IHostStateStream>(stream ?? new FakeHostStateStream(engine));
        // As the console registers it; it reads the AuthenticationStateProvider that AddAuthorization adds.
        context.Services.AddScoped<CurrentActor>();
        context.Services.AddScoped<AdminAudit>();
        configure?.Invoke(context);
        context.SetRendererInfo(new RendererInfo("Server", true));
    }
}

/// <summary>
/// The one base of the page and dialog tests: the console's services over the fake engine and state
/// stream, the fake audit log behind <see cref="AuditedOperations"/>, a clock standing at the time the
/// demo host was read, the fake upgrades, and a signed-in admin (alice) until a test signs in someone else.
/// </summary>
public abstract class ComponentTest : BunitContext
{
    protected FakeEngine Engine { get; } = new();
    protected FakeHostStateStream Stream { get; }
    protected FakeAuditLog Audit { get; } = new();
    protected FakeUpgrades Upgrades { get; } = new();
    protected BunitAuthorizationContext Auth { get; }
    /// <summary>The console's clock, standing at the time the demo host was read.</summary>
    protected FixedClock Clock { get; } = new(HostStates.T0);

    protected static readonly TimeSpan Wait = TestServices.Wait;

    protected ComponentTest()
    {
        BunitAuthorizationContext? auth = null;
        Stream = new FakeHostStateStream(Engine);
        this.AddTestServices(Engine, context =>
        {
            auth = context.AddAuthorization();
            context.Services.AddSingleton<IAuditLog>(Audit);
            context.Services.AddSingleton(new AuditedOperations(Engine, Audit, Stream));
            context.Services.AddSingleton<TimeProvider>(Clock);
            context.Services.AddSingleton<IUpgrades>(Upgrades);
        }, Stream);
        Auth = auth!;
        SignIn("alice", "admin");
    }

    protected void SignIn(string name, string role)
    {
        Auth.SetAuthorized(name);
        Auth.SetRoles(role);
    }

    /// <summary>The providers MainLayout gives (dialogs, snackbars, popovers); returns the dialogs.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<MudDialogProvider>();
    }

    /// <summary>Renders the providers (dialogs, snackbars, popovers), then the boot environments page once it shows the table.</summary>
    protected (IRenderedComponent<BootEnvironmentsPage> Page, IRenderedComponent<MudDialogProvider> Dialogs, IRenderedComponent<MudSnackbarProvider> Snackbars) RenderPage()
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<BootEnvironmentsPage>();
        page.WaitForElement("[data-testid=be-table]", Wait);
        return (page, dialogs, snackbars);
    }
}
