using Bunit;
using Bunit.TestDoubles;
using SnapUpgrade.Web.Components.Layout;
using Xunit;

namespace SnapUpgrade.Tests.Component.Shell;

public sealed class UserMenuTests : BunitContext
{
    private readonly BunitAuthorizationContext _auth;

    public UserMenuTests()
    {
        BunitAuthorizationContext? auth = null;
        this.AddTestServices(new FakeEngine(), context => auth = context.AddAuthorization());
        _auth = auth!;
    }

    [Fact]
    public void UserMenu_SignedInOperator_ShowsNameRoleAndALogoutFormPost()
    {
        _auth.SetAuthorized("olga");
        _auth.SetRoles("operator");

        var cut = Render<UserMenu>();

        Assert.Equal("olga (operator)", cut.Find("[data-testid=user]").TextContent.Trim());
        var form = cut.Find("[data-testid=logout-form]");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("logout", form.GetAttribute("action"));
    }

    [Fact]
    public void UserMenu_NotSignedIn_ShowsNothing()
    {
        _auth.SetNotAuthorized();

        var cut = Render<UserMenu>();

        Assert.Empty(cut.FindAll("[data-testid=user]"));
        Assert.Empty(cut.FindAll("[data-testid=logout-form]"));
    }
}
