using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Runs a plan's steps in order. When a step fails before any irreversible step has run, the steps
/// already done are undone in reverse, so the host ends exactly as before. Once an irreversible
/// step (one without an undo, e.g. a destroy) has run there is no going back: the remaining steps
/// are retried so the operation ends fully done. "Busy" from zfs is retried briefly either way
/// (zfs-fuse reports a just-unmounted dataset busy for a moment).
/// </summary>
public sealed partial class PlanExecutor(EngineOptions options, ILogger logger)
{
    private const int RollForwardAttempts = 3;

    public async Task ExecuteAsync(Plan plan, CancellationToken ct = default)
    {
        var done = new List<Step>();
        var pastNoReturn = false;
        foreach (var step in plan.Steps)
        {
            try
            {
                await RunWithBusyRetryAsync(step.Run, ct);
            }
            catch (Exception ex) when (pastNoReturn && ex is not OperationCanceledException)
            {
                LogRollForward(logger, step.Description, ex.Message);
                await RollForwardAsync(step, ex, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogStepFailed(logger, step.Description, ex.Message);
                await UndoAsync(done, ex);
                throw;
            }
            done.Add(step);
            pastNoReturn |= step.Undo is null;
        }
    }

    private async Task RollForwardAsync(Step step, Exception first, CancellationToken ct)
    {
        var last = first;
        for (var attempt = 1; attempt <= RollForwardAttempts; attempt++)
        {
            await Task.Delay(options.BusyRetryDelay * attempt, ct);
            try
            {
                await RunWithBusyRetryAsync(step.Run, ct);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                last = ex;
            }
        }
        throw new InvalidOperationException(
            $"'{step.Description}' failed after the point of no return and could not be completed: {last.Message}", last);
    }

    private async Task UndoAsync(List<Step> done, Exception cause)
    {
        for (var i = done.Count - 1; i >= 0; i--)
        {
            var undo = done[i].Undo!;
            try
            {
                // Undo must finish even if the caller gave up: a half-undone host is worse than a late answer.
                await RunWithBusyRetryAsync(undo, CancellationToken.None);
            }
            catch (Exception ex)
            {
                LogUndoFailed(logger, done[i].Description, ex.Message, cause.Message);
                throw new InvalidOperationException(
                    $"{cause.Message} Undoing '{done[i].Description}' failed too: {ex.Message}", cause);
            }
        }
    }

    private async Task RunWithBusyRetryAsync(Func<CancellationToken, Task> action, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await action(ct);
                return;
            }
            catch (ZfsCommandException ex) when (ex.IsBusy && attempt < options.BusyRetries)
            {
                await Task.Delay(options.BusyRetryDelay, ct);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step '{Step}' failed: {Error}; undoing what was done")]
    private static partial void LogStepFailed(ILogger logger, string step, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step '{Step}' failed past the point of no return ({Error}); finishing it")]
    private static partial void LogRollForward(ILogger logger, string step, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Undo of '{Step}' failed: {Error} (after: {Cause})")]
    private static partial void LogUndoFailed(ILogger logger, string step, string error, string cause);
}
