using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>What the shared parts of an operation dialog (<see cref="PlanView"/>, <see cref="DialogButtons"/>) read and call.</summary>
public interface IOperationDialog
{
    OperationError? Error { get; }
    IReadOnlyList<PlannedStep>? Steps { get; }
    bool Planning { get; }
    bool Running { get; }
    bool HostChanged { get; }
    /// <summary>Why the last confirmed run did not succeed (refused or failed); null otherwise.</summary>
    string? Failure { get; }
    bool CanReview { get; }
    bool CanConfirm { get; }
    Task ReviewAsync();
    Task ConfirmAsync();
    void Cancel();
}
