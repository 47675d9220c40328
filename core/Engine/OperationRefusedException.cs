namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Thrown by <see cref="IOperation.PlanAsync"/> when a check that needs IO (a path, a mount) fails:
/// the engine turns it into a refusal, exactly like a failed <see cref="IOperation.Validate"/>.
/// </summary>
public sealed class OperationRefusedException(OperationError error) : Exception(error.Message)
{
    public OperationError Error { get; } = error;
}
