using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Runs a plan's steps in order, telling the <see cref="IStepLog"/> (the journal) before each step
/// starts and before each change a step decides on while running, so that a crash at any point
/// can be undone at the next start exactly as a failure is undone here. When a step fails before
/// any irreversible step has run, it and the steps before it are undone in reverse (their
/// <see cref="Undo"/> data), so the host ends as before. Once an irreversible step (one without an
/// undo, e.g. a destroy) has run there is no going back: a failing step is retried, and one that
/// still fails does not stop the later steps (each stands on its own: another zone BE's destroy, the
/// origin snapshot's), so the operation ends as done as it can be and the error names what was not.
/// "Busy" from zfs is retried briefly either way (zfs-fuse reports a just-unmounted dataset busy for
/// a moment), and patiently, like an undo, where the backend lets an unmounted file system go only later
/// (<paramref name="patientSteps"/>: <see cref="Zfs.ZfsCapabilities.ReleasesAfterUnmount"/>).
/// </summary>
/// <param name="patientSteps">
/// Every step waits out "busy" as long as an undo does (about 11 s with the default options), not about 1 s: a mount
/// right after an unmount (a restart's undo, say) finds the dataset busy until zfs-fuse's daemon has let it go.
/// </param>
public sealed partial class PlanExecutor(EngineOptions options, UndoRunner undoer, ILogger logger, bool patientSteps = false)
{
    private const int RollForwardAttempts = 3;

    public async Task ExecuteAsync(Plan plan, IStepLog? log = null, CancellationToken ct = default)
    {
        log ??= IStepLog.None;
        var started = new List<StartedStep>();
        var pastNoReturn = false;
        var unfinished = new List<Exception>();
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            var current = new StartedStep(step.Undo, []);
            var index = i;
            var run = new StepRun(async undo =>
            {
                await log.WillAsync(index, undo);
                current.Recorded.Add(undo);
            }, ct);
            await log.StartedAsync(i);
            started.Add(current);
            try
            {
                await RunWithBusyRetryAsync(() => step.Run(run), ct, patientSteps);
            }
            catch (Exception ex) when (pastNoReturn && ex is not OperationCanceledException)
            {
                LogRollForward(logger, step.Description, ex.Message);
                if (await RollForwardAsync(step, run, ex, ct) is { } left) unfinished.Add(left);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStepFailed(logger, step.Description, ex.Message);
                await UndoAsync(started, ex, ownUndoOfLast: false);
                throw;
            }
            pastNoReturn |= step.IsIrreversible;
        }
        if (unfinished.Count > 0)
            throw new InvalidOperationException(
                string.Join(" ", unfinished.Select(e => e.Message)) + " The other steps were done.", unfinished[0]);
    }

    /// <summary>
    /// Undoes steps that started, last first. The last one failed or was cut off, so it may be
    /// half done: the undos it recorded are tried, and a failure of theirs is logged, not fatal.
    /// Its own undo runs only when it was cut off by a crash (<paramref name="ownUndoOfLast"/>): a
    /// step that failed here did not do what its own undo takes back (zfs commands are atomic;
    /// steps that can half-happen record what they did), and an undo kind is written to be harmless
    /// when its step did not happen. Every earlier step did complete, so its undo must succeed.
    /// </summary>
    public async Task UndoAsync(IReadOnlyList<StartedStep> started, Exception? cause, bool ownUndoOfLast)
    {
        for (var i = started.Count - 1; i >= 0; i--)
        {
            var uncertain = i == started.Count - 1;
            var own = uncertain && !ownUndoOfLast ? null : started[i].Own;
            var undos = started[i].Recorded.AsEnumerable().Reverse().Append(own ?? new UndoNothing());
            foreach (var undo in undos)
            {
                try
                {
                    // Undo must finish even if the caller gave up: a half-undone host is worse than a late answer.
                    // Longer than a step's: after a zfs command working on a dataset is killed, zfs-fuse keeps the
                    // dataset "busy" for a while (1.2-2.2 s measured by hand after kill -9 of zfs destroy -r).
                    await RunWithBusyRetryAsync(() => undoer.RunAsync(undo, CancellationToken.None), CancellationToken.None, patient: true);
                }
                catch (Exception ex) when (uncertain)
                {
                    LogUncertainUndo(logger, undo, ex.Message);
                }
                catch (Exception ex)
                {
                    LogUndoFailed(logger, undo, ex.Message, cause?.Message ?? "restart");
                    throw new InvalidOperationException(
                        $"{cause?.Message ?? "Interrupted."} Undoing ({undo}) failed too: {ex.Message}", cause ?? ex);
                }
            }
        }
    }

    /// <summary>
    /// After a crash past the point of no return: runs the journalled steps from <paramref name="from"/>
    /// (the one cut off, which may have run, half run or not run) to the last, each skipped where it is
    /// already done. Every step from the point of no return on is a <see cref="RollForward"/> (the plan
    /// refuses anything else there), or the last, a reboot asked of the host, which is never asked again.
    /// Returns what each step came to, for the restart's message.
    /// </summary>
    public async Task<IReadOnlyList<string>> FinishAsync(IReadOnlyList<Undo?> steps, int from)
    {
        var done = new List<string>();
        for (var i = from; i < steps.Count; i++)
        {
            if (steps[i] is RebootAsked reboot)
            {
                // Never again: the reboot that was asked is most likely why we are starting (see RebootAsked).
                done.Add($"the host was asked to reboot ({string.Join(' ', reboot.Argv)}); not asked again");
                continue;
            }
            if (steps[i] is not RollForward forward)
                throw new InvalidOperationException($"Step {i + 1} was journalled without the command that would finish it.");
            var ran = false;
            await RunWithBusyRetryAsync(async () => ran = await undoer.FinishAsync(forward.Command, CancellationToken.None), CancellationToken.None,
                patient: true);
            done.Add($"{(ran ? "ran" : "already done")}: {forward.Command}");
        }
        return done;
    }

    /// <summary>Retries a step past the point of no return; returns why it could not be completed, or null.</summary>
    private async Task<Exception?> RollForwardAsync(Step step, StepRun run, Exception first, CancellationToken ct)
    {
        var last = first;
        for (var attempt = 1; attempt <= RollForwardAttempts; attempt++)
        {
            await Task.Delay(options.BusyRetryDelay * attempt, ct);
            try
            {
                await RunWithBusyRetryAsync(() => step.Run(run), ct, patientSteps);
                return null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
            }
        }
        return new InvalidOperationException(
            $"'{step.Description}' failed after the point of no return and could not be completed: {last.Message}", last);
    }

    /// <param name="patient">
    /// For undo and for finishing after a crash: twice the tries, each waiting longer than the last (with
    /// the defaults about 11 s in all), since giving up leaves the host half changed, and a crash's own
    /// killed zfs process keeps its dataset busy for a while on zfs-fuse.
    /// </param>
    private async Task RunWithBusyRetryAsync(Func<Task> action, CancellationToken ct, bool patient = false)
    {
        var retries = patient ? 2 * options.BusyRetries : options.BusyRetries;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await action();
                return;
            }
            catch (ZfsCommandException ex) when (ex.IsBusy && attempt < retries)
            {
                await Task.Delay(patient ? options.BusyRetryDelay * (attempt + 1) : options.BusyRetryDelay, ct);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step '{Step}' failed: {Error}; undoing what was done")]
    private static partial void LogStepFailed(ILogger logger, string step, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step '{Step}' failed past the point of no return ({Error}); finishing it")]
    private static partial void LogRollForward(ILogger logger, string step, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Undo {Undo} failed: {Error} (after: {Cause})")]
    private static partial void LogUndoFailed(ILogger logger, Undo undo, string error, string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Undo {Undo} of the step that was cut off did not apply: {Error}")]
    private static partial void LogUncertainUndo(ILogger logger, Undo undo, string error);
}

/// <summary>A step that started: its own undo (null: irreversible) and the undos it recorded while running.</summary>
public sealed record StartedStep(Undo? Own, List<Undo> Recorded);

/// <summary>Where the executor writes ahead what it is about to do: the operation journal.</summary>
public interface IStepLog
{
    Task StartedAsync(int index);
    Task WillAsync(int index, Undo undo);

    public static readonly IStepLog None = new NoLog();

    private sealed class NoLog : IStepLog
    {
        public Task StartedAsync(int index) => Task.CompletedTask;
        public Task WillAsync(int index, Undo undo) => Task.CompletedTask;
    }
}
