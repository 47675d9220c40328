using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Dialogs;
using Xunit;

namespace SnapUpgrade.Tests.Component.Dialogs;

/// <summary>The one "why is this disabled": the role first, then the operation's own check, in the engine's words.</summary>
public sealed class WhyTests
{
    [Fact]
    public void Not_NotSignedIn_SaysVisitorsMayDoNothing() =>
        Assert.Equal("Visitors who are not signed in cannot create zones.", Why.Not(null, new CreateZone("db"), "create zones"));

    [Fact]
    public void Not_RoleRefusedAndStateRefuses_SaysTheRoleFirst()
    {
        var state = HostStates.With(HostStates.Be("be1", booted: true));

        Assert.Equal("Operators cannot destroy boot environments.",
            Why.Not(Role.Operator, new DestroyBe("be1"), state, "destroy boot environments"));
    }

    [Fact]
    public void Not_RoleAllowed_GivesTheOperationsOwnRefusal()
    {
        var state = HostStates.With(HostStates.Be("be1", booted: true));
        var operation = new DestroyBe("be1");

        var reason = Why.Not(Role.Admin, operation, state, "destroy boot environments");

        Assert.NotNull(reason);
        Assert.Equal(operation.Validate(state)?.Message, reason);
    }

    [Fact]
    public void Not_RoleAllowedWithoutState_IsNull() =>
        Assert.Null(Why.Not(Role.Operator, new CreateBe("new"), "create boot environments"));
}
