using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Access;

/// <summary>
/// DESIGN section 6 as code: which role may run which operation. Every page and endpoint asks here,
/// so the table lives in one place.
/// </summary>
public static class Permissions
{
    /// <summary>
    /// Operations an operator may run (remotely too): create, activate (and reboot into what was just
    /// activated: "activate and reboot" is one request), go back from a trial boot (the undo of an
    /// activation once), read-only mount, unmount, snapshot, a shared-health check. A reboot on its own
    /// is an admin's; failing a trial is the health command's (the system's).
    /// </summary>
    public static bool OperatorMay(IOperation operation) => operation switch
    {
        CreateBe or ActivateBe or UnmountBe or SnapshotBe or CheckSharedHealth => true,
        RebootHost reboot => reboot.Activated is not null,
        MountBe mount => !mount.SharedReadWrite,
        EndTrial end => !end.Failed,
        _ => false,
    };

    public static bool Allows(Role role, IOperation operation) => role switch
    {
        Role.Admin => true,
        Role.Operator => OperatorMay(operation),
        _ => false,
    };

    /// <summary>Null when allowed; else the refusal to show and audit.</summary>
    public static OperationError? Check(Actor actor, IOperation operation) => Allows(actor.Role, operation)
        ? null
        : new(ErrorCode.Forbidden, $"The {Roles.Name(actor.Role)} role may not {operation.Action.Replace('-', ' ')}" +
                                   (operation.Target is null ? "." : $" ({operation.Target})."));
}
