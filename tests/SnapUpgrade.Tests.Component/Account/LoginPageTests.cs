using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Tests.Component.Admin;
using SnapUpgrade.Web.Components.Account;
using Xunit;

namespace SnapUpgrade.Tests.Component.Account;

public sealed class LoginPageTests : BunitContext
{
    private const string Home = "http://localhost/";
    private readonly FakeAccounts _accounts = new();
    private readonly RecordingAuthentication _authentication = new();

    public LoginPageTests()
    {
        this.AddTestServices(new FakeEngine(), c =>
        {
            c.Services.AddSingleton<IAccounts>(_accounts);
            c.Services.AddSingleton<IAuthenticationService>(_authentication);
        });
        _accounts.Users.Add(new UserAccount { Name = "olga", Role = Role.Operator });
        _accounts.Passwords["olga"] = "correct horse battery";
    }

    private NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    private IRenderedComponent<LoginPage> RenderAt(string url)
    {
        Navigation.NavigateTo(url);
        var http = new DefaultHttpContext { RequestServices = Services };
        return Render<LoginPage>(p => p.AddCascadingValue<HttpContext>(http));
    }

    private static void SignIn(IRenderedComponent<LoginPage> cut, string name, string password)
    {
        cut.Find("#login-name").Change(name);
        cut.Find("#login-password").Change(password);
        cut.Find("form[data-testid=login-form]").Submit();
    }

    [Fact]
    public void LoginPage_Fresh_ShowsAnEmptyFormAndNoError()
    {
        var cut = RenderAt("login?returnUrl=%2Fbes");

        Assert.Empty(cut.FindAll("[data-testid=login-error]"));
        Assert.Equal("", cut.Find("#login-name").GetAttribute("value") ?? "");
        Assert.Equal("password", cut.Find("#login-password").GetAttribute("type"));
        Assert.Equal("post", cut.Find("form[data-testid=login-form]").GetAttribute("method"));
        Assert.Equal(Home + "login?returnUrl=%2Fbes", Navigation.Uri);
    }

    [Theory]
    [InlineData("olga", "wrong password")]
    [InlineData("nobody", "correct horse battery")]
    public void LoginPage_WrongNameOrPassword_ShowsTheOneRefusalAndSignsNobodyIn(string name, string password)
    {
        var cut = RenderAt("login?returnUrl=%2Fbes");

        SignIn(cut, name, password);

        cut.WaitForAssertion(() => Assert.Equal(LoginPage.Refused, cut.Find("[data-testid=login-error]").TextContent));
        Assert.Empty(_authentication.SignIns);
        Assert.Equal(Home + "login?returnUrl=%2Fbes", Navigation.Uri);
    }

    [Fact]
    public void LoginPage_LockedOut_IsRefusedWithTheSameWordsAsAWrongPassword()
    {
        _accounts.LockedOut.Add("olga");
        var cut = RenderAt("login");

        SignIn(cut, "olga", "correct horse battery");

        cut.WaitForAssertion(() => Assert.Equal(LoginPage.Refused, cut.Find("[data-testid=login-error]").TextContent));
        Assert.DoesNotContain("lock", cut.Markup, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_authentication.SignIns);
    }

    [Fact]
    public void LoginPage_GoodPassword_SignsInWithTheRoleAndGoesBackToTheReturnUrl()
    {
        var cut = RenderAt("login?returnUrl=%2Fbes");

        SignIn(cut, " olga ", "correct horse battery");

        cut.WaitForAssertion(() => Assert.Equal(Home + "bes", Navigation.Uri));
        var (scheme, principal) = Assert.Single(_authentication.SignIns);
        Assert.Equal("Cookies", scheme);
        Assert.Equal("olga", principal.Identity?.Name);
        Assert.True(principal.IsInRole("operator"));
        Assert.Empty(cut.FindAll("[data-testid=login-error]"));
    }

    [Theory]
    [InlineData("%2F%2Fevil.example%2Fphish")]
    [InlineData("https%3A%2F%2Fevil.example%2F")]
    [InlineData("%2F%5Cevil.example")]
    public void LoginPage_ReturnUrlOffSite_GoesHomeInstead(string returnUrl)
    {
        var cut = RenderAt($"login?returnUrl={returnUrl}");

        SignIn(cut, "olga", "correct horse battery");

        cut.WaitForAssertion(() => Assert.Equal(Home, Navigation.Uri));
        Assert.Single(_authentication.SignIns);
    }

    /// <summary>Records the cookie sign-in the page asks for; nothing else is expected of it here.</summary>
    private sealed class RecordingAuthentication : IAuthenticationService
    {
        public List<(string? Scheme, ClaimsPrincipal Principal)> SignIns { get; } = [];

        public Task SignInAsync(HttpContext context, string? scheme, ClaimsPrincipal principal, AuthenticationProperties? properties)
        {
            SignIns.Add((scheme, principal));
            return Task.CompletedTask;
        }

        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme) => Task.FromResult(AuthenticateResult.NoResult());
        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();
        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();
        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => throw new NotSupportedException();
    }
}
