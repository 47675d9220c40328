using Microsoft.Extensions.DependencyInjection;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Web.Auth;
using Xunit;

namespace SnapUpgrade.Tests.Component.Shell;

/// <summary>The one way a component learns who acts: the signed-in user, named for the audit trail.</summary>
public sealed class CurrentActorTests : ComponentTest
{
    private CurrentActor Current => Services.GetRequiredService<CurrentActor>();

    [Fact]
    public async Task GetAsync_SignedIn_NamesTheUserTheConsoleAndTheBrowsersAddress()
    {
        SignIn("olga", "operator");
        Current.ClientAddress = "10.0.0.7";

        Assert.Equal(new Actor("olga", Role.Operator, "console 10.0.0.7"), await Current.GetAsync());
    }

    [Fact]
    public async Task GetAsync_NoAddress_SaysConsoleAlone() =>
        Assert.Equal(new Actor("alice", Role.Admin, "console"), await Current.GetAsync());

    [Fact]
    public async Task GetAsync_RoleChanged_ReadsTheNewRole()
    {
        Assert.Equal(Role.Admin, (await Current.GetAsync())?.Role);

        SignIn("alice", "auditor");

        Assert.Equal(Role.Auditor, (await Current.GetAsync())?.Role);
    }

    [Fact]
    public async Task GetAsync_NotSignedIn_IsNull()
    {
        Auth.SetNotAuthorized();

        Assert.Null(await Current.GetAsync());
    }
}
