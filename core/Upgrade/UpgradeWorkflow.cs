using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Staging;

namespace SnapUpgrade.Core.Upgrade;

/// <summary>
/// Upgrade into a new BE (issue 14, ADR 0026), each part through the one door (<see cref="IEngine"/>),
/// each audited on its own: <see cref="CreateBe"/>, <see cref="StageUpgrade"/>, the host's package command
/// in the staged alternate root, <see cref="FinishUpgrade"/>. A create or stage that fails leaves no BE
/// behind (a stage that cannot be undone destroys the new BE); a command that fails, times out or is
/// cancelled leaves the BE unmounted and marked failed, never activated, for the admin to read and destroy.
/// </summary>
/// <param name="runPart">How each part runs; by default straight on the engine (<see cref="UpgradeRuns"/> audits each with its actor).</param>
public sealed class UpgradeWorkflow(IEngine engine, IUpgradeCommand command, int stagingMiB = 512,
    Func<IOperation, RunRequest, Task<OperationResult>>? runPart = null)
{
    private readonly Func<IOperation, RunRequest, Task<OperationResult>> _runPart =
        runPart ?? ((operation, run) => engine.RunAsync(operation, run, CancellationToken.None));

    /// <param name="output">Each line the package command prints, as it prints it.</param>
    /// <param name="ct">Cancels the package command (the BE is then finished as failed); the engine's parts run to their end.</param>
    public Task<UpgradeResult> RunAsync(UpgradeRequest request, RunRequest run, Action<string> output, CancellationToken ct = default) =>
        RunAsync(request, run, new UpgradeProgress(output), ct);

    /// <param name="ct">Cancels the package command (the BE is then finished as failed); the engine's parts run to their end.</param>
    public async Task<UpgradeResult> RunAsync(UpgradeRequest request, RunRequest run, UpgradeProgress progress, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var (output, step, commandLine) = (progress.Output, progress.Step, progress.Command);
        var parts = new List<OperationResult>();
        step?.Invoke($"creating {request.Name}");
        var create = await _runPart(new CreateBe(request.Name, request.Source, request.Description), run with { Reviewed = request.Reviewed });
        parts.Add(create);
        if (!create.Succeeded) return new(request.Name, UpgradeOutcome.NotStarted, parts, null);

        step?.Invoke($"staging {request.Name}");
        var stage = await _runPart(new StageUpgrade(request.Name, stagingMiB), run);
        parts.Add(stage);
        if (!stage.Succeeded)
        {
            // Undone: the BE is as created, unmounted and unmarked; nothing ran in it.
            step?.Invoke($"destroying {request.Name} (the stage failed)");
            parts.Add(await _runPart(new DestroyBe(request.Name), run));
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
            step?.Invoke("running the package command");
            var argv = command.Describe(root, request.Name);
            commandLine?.Invoke(argv);
            output($"$ {string.Join(' ', argv)}");
            ran = await command.RunAsync(root, request.Name, output, ct);
            output($"[{ran.Summary}]");
        }
        step?.Invoke($"finishing {request.Name}");
        var finish = await _runPart(new FinishUpgrade(request.Name, ran.Succeeded), run);
        parts.Add(finish);
        if (!finish.Succeeded && ran.Succeeded)
        {
            // Its writes could not be kept: take the staging off all the same, and mark the BE failed.
            parts.Add(await _runPart(new FinishUpgrade(request.Name, Passed: false), run));
        }
        var outcome = !finish.Succeeded ? UpgradeOutcome.FinishFailed : ran.Succeeded ? UpgradeOutcome.Staged : UpgradeOutcome.CommandFailed;
        return new(request.Name, outcome, parts, ran);
    }

    /// <summary>
    /// The whole plan without running anything (issue 14 point 5): the create's dry run as it would run
    /// now; the stage planned ahead on the host as it will be once the BE exists (its mounts, with the
    /// overlay options); the package command's argv in that alternate root; the finish; and, when asked,
    /// the activation planned ahead on the BE as upgraded. The create's dry run is audited like any other;
    /// each later part is planned again, for real, when its turn comes (its private names then differ).
    /// </summary>
    public async Task<UpgradePlan> PlanAsync(UpgradeRequest request, RunRequest run, bool activate, CancellationToken ct = default)
    {
        var create = await _runPart(new CreateBe(request.Name, request.Source, request.Description), run with { DryRun = true });
        if (!create.Succeeded) return new([create], []);
        var stage = await engine.PlanAheadAsync(new StageUpgrade(request.Name, stagingMiB),
            (state, layout) => WithNewBe(state, layout, request), ct);
        if (!stage.Succeeded) return new([create, stage], []);
        var root = StageUpgrade.RootOf(stage.Report) ?? "{root}";
        var finish = new[]
        {
            $"keep what it wrote into the shared directories in {request.Name} at {UpgradeStaging.StagedDirectory} (when it passed), " +
            $"with the directories it removed and made again recorded in {OpaqueRecord.FileName} there",
            $"take off the staging overlays and the tmpfs, unmount {request.Name} and destroy the base's clone",
            $"mark {request.Name} as staged, or as failed when the command failed, timed out or was cancelled",
        };
        var parts = new List<OperationResult> { create, stage };
        if (activate)
            parts.Add(await engine.PlanAheadAsync(new ActivateBe(request.Name),
                (state, layout) => WithNewBe(state, layout, request, Zfs.UserProperties.UpgradeStaged), ct));
        return new(parts, [.. command.Describe(root, request.Name)], finish);
    }

    /// <summary>The host as it will be once <see cref="CreateBe"/> made the BE from its source (unmounted, not booted, unmarked).</summary>
    private static HostState WithNewBe(HostState state, Layout layout, UpgradeRequest request, string? upgrade = null)
    {
        var sourceName = request.Source?.Split('@')[0];
        if ((sourceName is null ? state.Booted : state.Find(sourceName)) is not { } source || state.Find(request.Name) is not null) return state;
        var dataset = layout.Be(request.Name);
        var be = source with
        {
            Name = request.Name,
            Dataset = dataset,
            Uuid = Guid.Empty.ToString(),
            Description = request.Description,
            IsBooted = false,
            IsActiveOnReboot = false,
            IsNextBoot = false,
            Trial = default,
            Upgrade = upgrade,
            MountedAt = null,
            Keep = false,
            CarryOverFrom = null,
            Snapshots = [],
            // CreateBe clones each zone BE of the source with the new name; they are mounted with it.
            ZoneBes =
            [
                .. source.ZoneBes.Select(z => z with
                {
                    Name = request.Name, Dataset = layout.ZoneBe(z.Zone, request.Name), ParentBe = Guid.Empty.ToString(), ParentBeName = request.Name, Active = false,
                    MountedAt = null, Snapshots = [],
                }),
            ],
            Origin = $"{source.Dataset}@upgrade",
            Children = [.. source.Children.Select(c => c with { Dataset = $"{dataset}/{c.RelativeName}", MountedAt = null })],
        };
        return state with { BootEnvironments = [.. state.BootEnvironments, be] };
    }
}

/// <summary>Who hears of a run as it goes.</summary>
/// <param name="Output">Each line the package command prints, as it prints it (and the workflow's "$ argv" and "[end]" lines).</param>
/// <param name="Step">What the workflow does now, in a few words, as it moves on.</param>
/// <param name="Command">The package command's argv as it starts (placeholders filled).</param>
public sealed record UpgradeProgress(Action<string> Output, Action<string>? Step = null, Action<IReadOnlyList<string>>? Command = null);

/// <param name="Source">The BE (or be@snapshot) to upgrade from; null: the booted BE.</param>
/// <param name="Reviewed">The create's reviewed plan token (<see cref="RunRequest.Reviewed"/>): the create runs that plan or nothing.</param>
public sealed record UpgradeRequest(string Name, string? Source = null, string? Description = null, string? Reviewed = null);

/// <summary>An upgrade's plan: the engine's parts (create; stage and activation planned ahead), the command's argv, the finish in words.</summary>
public sealed record UpgradePlan(IReadOnlyList<OperationResult> Parts, IReadOnlyList<string> Command, IReadOnlyList<string>? Finish = null)
{
    public bool Succeeded => Parts.Count > 0 && Parts.All(p => p.Succeeded);
}

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
