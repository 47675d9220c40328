using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Components.Account;
using SnapUpgrade.Web.Components.Pages.Admin;
using SnapUpgrade.Web.Components.Pages.Audit;
using SnapUpgrade.Web.Components.Pages.BootEnvironments;
using SnapUpgrade.Web.Components.Pages.Overview;
using SnapUpgrade.Web.Components.Pages.Shared;
using SnapUpgrade.Web.Components.Pages.Zones;
using Xunit;

namespace SnapUpgrade.Tests.Component.Pages;

/// <summary>
/// The forbidden state of a visitor who is not signed in: the router's AuthorizeRouteView refuses a page by the
/// policy its [Authorize] names, so each page must carry one, and the console's own policy must refuse them.
/// </summary>
public sealed class PagePolicyTests
{
    public static TheoryData<Type> Pages => new()
    {
        typeof(OverviewPage), typeof(BootEnvironmentsPage), typeof(ZonesPage), typeof(SharedPage), typeof(AuditTrailPage), typeof(AdminPage),
    };

    private static IAuthorizationService ConsoleAuthorization()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddConsoleAuth();
        return services.BuildServiceProvider().GetRequiredService<IAuthorizationService>();
    }

    private static ClaimsPrincipal SignedIn(params Claim[] claims) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone"), .. claims], "Cookies", ClaimTypes.Name, ClaimTypes.Role));

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_NotSignedInOrWithoutARole_IsRefusedByTheViewerPolicy(Type page)
    {
        var authorize = Assert.Single(page.GetCustomAttributes<AuthorizeAttribute>(inherit: true));
        Assert.Equal(Policies.Viewer, authorize.Policy);
        Assert.Empty(page.GetCustomAttributes<AllowAnonymousAttribute>(inherit: true));
        var authorization = ConsoleAuthorization();

        Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), null, Policies.Viewer)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(SignedIn(), null, Policies.Viewer)).Succeeded);
        Assert.False((await authorization.AuthorizeAsync(SignedIn(new Claim(ClaimTypes.Role, "root")), null, Policies.Viewer)).Succeeded);
        Assert.True((await authorization.AuthorizeAsync(SignedIn(new Claim(ClaimTypes.Role, "auditor")), null, Policies.Viewer)).Succeeded);
    }

    [Fact]
    public void LoginPage_NotSignedIn_IsTheOnePageOpenToAnyone()
    {
        Assert.NotNull(typeof(LoginPage).GetCustomAttribute<AllowAnonymousAttribute>());
        Assert.Null(typeof(LoginPage).GetCustomAttribute<AuthorizeAttribute>());
    }
}
