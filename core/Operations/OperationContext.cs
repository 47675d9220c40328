using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>What an operation may use while planning and running: the ports, the layout, the clock.</summary>
public sealed class OperationContext
{
    public required IZfs Zfs { get; init; }
    public required IMounts Mounts { get; init; }
    public required IHostFiles Files { get; init; }
    public required Layout Layout { get; init; }
    public required EngineOptions Options { get; init; }
    public required TimeProvider Clock { get; init; }

    /// <summary>
    /// A plan step that runs one zfs command, undone by <paramref name="undo"/>; without one the step
    /// needs no undo of its own (what it changed goes with an earlier step's undo, e.g. a destroyed clone).
    /// </summary>
    public void AddZfs(Plan plan, string description, ZfsCommand command, ZfsCommand? undo = null) =>
        plan.Add(description, command.Argv, ct => Zfs.ExecuteAsync(command, ct),
            undo is null ? _ => Task.CompletedTask : ct => Zfs.ExecuteAsync(undo, ct));

    /// <summary>A step that cannot be taken back (destroy, rollback): after it the plan rolls forward.</summary>
    public void AddIrreversibleZfs(Plan plan, string description, ZfsCommand command) =>
        plan.Add(description, command.Argv, ct => Zfs.ExecuteAsync(command, ct));

    /// <summary>A fresh, unguessable name for a private directory (mount points).</summary>
    public string PrivateDirectory(string be) => $"{Options.TempRoot.TrimEnd('/')}/be-{be}.{Guid.NewGuid().ToString("N")[..8]}";

    public string Timestamp() => Clock.GetUtcNow().ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
}
