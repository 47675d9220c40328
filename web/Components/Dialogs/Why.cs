using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>
/// Why an action is disabled, from the same rules the engine applies: the role table
/// (<see cref="Permissions.Allows"/>), then the operation's own <see cref="IOperation.Validate"/>.
/// Null when the action may run.
/// </summary>
public static class Why
{
    /// <param name="doing">What the role may not do, e.g. "destroy boot environments".</param>
    public static string? Not(Role role, IOperation operation, HostState state, string doing) =>
        !Permissions.Allows(role, operation) ? $"{Plural(role)} cannot {doing}." : operation.Validate(state)?.Message;

    public static string Plural(Role? role) => role switch
    {
        Role.Admin => "Admins",
        Role.Operator => "Operators",
        Role.Auditor => "Auditors",
        _ => "Visitors who are not signed in",
    };
}
