using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>
/// Why an action is disabled, from the same rules the engine applies: the role table
/// (<see cref="Permissions.Allows"/>), then the operation's own <see cref="IOperation.Validate"/>.
/// Null when the action may run. The one place a page or dialog asks; none words it again.
/// </summary>
public static class Why
{
    /// <summary>The role alone: for an action whose fields are not typed yet (create, a read-write switch).</summary>
    /// <param name="role">The signed-in user's role; null when not signed in, who may do nothing.</param>
    /// <param name="doing">What the role may not do, e.g. "destroy boot environments".</param>
    public static string? Not(Role? role, IOperation operation, string doing) =>
        role is { } r && Permissions.Allows(r, operation) ? null : $"{Plural(role)} cannot {doing}.";

    /// <summary>The role, then the operation's own check against the host as it is now.</summary>
    public static string? Not(Role? role, IOperation operation, HostState state, string doing) =>
        Not(role, operation, doing) ?? operation.Validate(state)?.Message;

    private static string Plural(Role? role) => role switch
    {
        Role.Admin => "Admins",
        Role.Operator => "Operators",
        Role.Auditor => "Auditors",
        _ => "Visitors who are not signed in",
    };
}
