using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Tests.Component.Fakes;

namespace SnapUpgrade.Tests.Component.Pages;

/// <summary>A page with a signed-in user, the fake engine and state stream, an in-memory audit log, a clock that stands still and the providers the layout gives.</summary>
public abstract class SignedInPageTest : BunitContext
{
    protected FakeEngine Engine { get; } = new();
    protected FakeHostStateStream Stream { get; }
    protected FakeActivationLog Audit { get; } = new();
    protected BunitAuthorizationContext Auth { get; }
    /// <summary>The console's clock, standing at the time the demo host was read.</summary>
    protected FixedClock Clock { get; } = new(HostStates.T0);

    protected SignedInPageTest()
    {
        Stream = new FakeHostStateStream(Engine);
        BunitAuthorizationContext? auth = null;
        this.AddTestServices(Engine, context =>
        {
            auth = context.AddAuthorization();
            context.Services.AddSingleton<IAuditLog>(Audit);
            context.Services.AddSingleton(new AuditedOperations(Engine, Audit, Stream));
            context.Services.AddSingleton<TimeProvider>(Clock);
        }, Stream);
        Auth = auth!;
        SignIn("alice", "admin");
    }

    protected void SignIn(string name, string role)
    {
        Auth.SetAuthorized(name);
        Auth.SetRoles(role);
    }

    /// <summary>The page inside the providers MainLayout gives (dialogs, snackbars, popovers).</summary>
    protected IRenderedComponent<MudBlazor.MudDialogProvider> RenderProviders()
    {
        Render<MudBlazor.MudPopoverProvider>();
        Render<MudBlazor.MudSnackbarProvider>();
        return Render<MudBlazor.MudDialogProvider>();
    }
}
