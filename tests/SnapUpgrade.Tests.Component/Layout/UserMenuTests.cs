using Bunit;
using SnapUpgrade.Web.Components.Layout;
using Xunit;

namespace SnapUpgrade.Tests.Component.Layout;

public sealed class UserMenuTests : ComponentTest
{
    [Fact]
    public void UserMenu_SignedInOperator_ShowsNameRoleAndALogoutFormPost()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("olga");
        auth.SetRoles("operator");

        var cut = Render<UserMenu>();

        Assert.Equal("olga (operator)", cut.Find("[data-testid=user]").TextContent.Trim());
        var form = cut.Find("[data-testid=logout-form]");
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal("logout", form.GetAttribute("action"));
        Assert.NotNull(form.QuerySelector("input[name=__RequestVerificationToken]"));
    }

    [Fact]
    public void UserMenu_NotSignedIn_ShowsNothing()
    {
        AddAuthorization().SetNotAuthorized();

        var cut = Render<UserMenu>();

        Assert.Empty(cut.FindAll("[data-testid=user]"));
        Assert.Empty(cut.FindAll("[data-testid=logout-form]"));
    }
}
