using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Tests.Component.Fakes;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Tests.Component;

public static class TestServices
{
    /// <summary>The one set-up of every component test, in the order MudBlazor 9 needs (TESTING.md).</summary>
    /// <param name="configure">More services (e.g. <c>AddAuthorization</c>), added before the renderer info, which must come last.</param>
    /// <param name="stream">The live state; by default a <see cref="FakeHostStateStream"/> seeded from the engine.</param>
    public static void AddTestServices(this BunitContext context, IEngine engine, Action<BunitContext>? configure = null,
        FakeHostStateStream? stream = null)
    {
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(engine);
        // The console's clock ("checked 12 minutes ago"); a test that needs a fixed one adds its own in configure.
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton<IHostStateStream>(stream ?? new FakeHostStateStream(engine));
        // As the console registers it; it reads the AuthenticationStateProvider that AddAuthorization adds.
        context.Services.AddScoped<CurrentActor>();
        configure?.Invoke(context);
        context.SetRendererInfo(new RendererInfo("Server", true));
    }
}

/// <summary>A bUnit context with the console's services and a <see cref="FakeEngine"/>.</summary>
public abstract class ComponentTest : BunitContext
{
    protected FakeEngine Engine { get; } = new();
    protected FakeHostStateStream Stream { get; }

    protected ComponentTest()
    {
        Stream = new FakeHostStateStream(Engine);
        // Nobody signed in: the pages render as for a visitor, every action saying why it is disabled.
        this.AddTestServices(Engine, c => c.AddAuthorization(), Stream);
    }
}
