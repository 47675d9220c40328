using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Upgrade;

/// <summary>
/// Upgrade into a new BE (issue 14, ADR 0026), each part through the one door (<see cref="IEngine"/>),
/// each audited on its own: <see cref="CreateBe"/>, <see cref="StageUpgrade"/>, the host's package command
/// in the staged alternate root, <see cref="FinishUpgrade"/>. A create or stage that fails leaves no BE
/// behind (a stage that cannot be undone destroys the new BE); a command that fails, times out or is
/// cancelled leaves the BE unmounted and marked failed, never activated, for the admin to read and destroy.
/// </summary>
public sealed class UpgradeWorkflow(IEngine engine, IUpgradeCommand command, int stagingMiB = 512)
{
    /// <param name="output">Each line the package command prints, as it prints it.</param>
    /// <param name="ct">Cancels the package command (the BE is then finished as failed); the engine's parts run to their end.</param>
    public async Task<UpgradeResult> RunAsync(UpgradeRequest request, RunRequest run, Action<string> output, CancellationToken ct = default)
    {
        var parts = new List<OperationResult>();
        var create = await engine.RunAsync(new CreateBe(request.Name, request.Source, request.Description), run, CancellationToken.None);
        parts.Add(create);
        if (!create.Succeeded) return new(request.Name, UpgradeOutcome.NotStarted, parts, null);

        var stage = await engine.RunAsync(new StageUpgrade(request.Name, stagingMiB), run, CancellationToken.None);
        parts.Add(stage);
        if (!stage.Succeeded)
        {
            // Undone: the BE is as created, unmounted and unmarked; nothing ran in it.
            parts.Add(await engine.RunAsync(new DestroyBe(request.Name), run, CancellationToken.None));
            return new(request.Name, UpgradeOutcome.NotStarted, parts, null);
        }

        var be = (await engine.GetKnownStateAsync(CancellationToken.None)).Find(request.Name);
        CommandRun ran;
        if (be?.MountedAt is not { } root)
        {
            ran = new CommandRun(CommandEnd.NotStarted, null, $"{request.Name} is not mounted after staging.", false, TimeSpan.Zero);
        }
        else
        {
            output($"$ {string.Join(' ', command.Describe(root, request.Name))}");
            ran = await command.RunAsync(root, request.Name, output, ct);
            output($"[{ran.Summary}]");
        }
        var finish = await engine.RunAsync(new FinishUpgrade(request.Name, ran.Succeeded), run, CancellationToken.None);
        parts.Add(finish);
        if (!finish.Succeeded && ran.Succeeded)
        {
            // Its writes could not be kept: take the staging off all the same, and mark the BE failed.
            parts.Add(await engine.RunAsync(new FinishUpgrade(request.Name, Passed: false), run, CancellationToken.None));
        }
        var outcome = !finish.Succeeded ? UpgradeOutcome.FinishFailed : ran.Succeeded ? UpgradeOutcome.Staged : UpgradeOutcome.CommandFailed;
        return new(request.Name, outcome, parts, ran);
    }
}

/// <param name="Source">The BE (or be@snapshot) to upgrade from; null: the booted BE.</param>
public sealed record UpgradeRequest(string Name, string? Source = null, string? Description = null);

public enum UpgradeOutcome
{
    /// <summary>The package command passed; its shared-directory writes wait in the BE for its first boot.</summary>
    Staged,
    /// <summary>The command failed, timed out, was cancelled or could not start: the BE is marked failed.</summary>
    CommandFailed,
    /// <summary>Refused or failed before the command (nothing left behind).</summary>
    NotStarted,
    /// <summary>
    /// The command ran but its writes could not be kept, or the staging not taken off: the BE is marked
    /// failed when a second finish took the staging off, else it stays marked running (FinishUpgrade
    /// again takes off what is left).
    /// </summary>
    FinishFailed,
}

/// <param name="Parts">The engine's operations in order, each with its audit row.</param>
public sealed record UpgradeResult(string Name, UpgradeOutcome Outcome, IReadOnlyList<OperationResult> Parts, CommandRun? Command)
{
    public bool Succeeded => Outcome == UpgradeOutcome.Staged;
}
