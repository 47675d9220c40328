using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Infra.Composition;

/// <summary>
/// Hands a pending trial to the <see cref="TrialJudge"/> as soon as the host shows one booted: at the
/// console's start on the trial BE, and after an in-process boot into it. The judging runs in the
/// background (the health command may take minutes); the judge lets one run at a time.
/// </summary>
/// <param name="judge">
/// Resolved at start, after <see cref="EngineStartup"/> (hosted services are all made before any starts);
/// null for a console that judges nothing (a standby one): then the watch does not start.
/// </param>
public sealed partial class TrialWatch(IHostStateStream stream, Func<TrialJudge?> judge, ILogger<TrialWatch> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _subscription;
    private Task _judging = Task.CompletedTask;
    private TrialJudge? _judge;
    private int _stopped;
    private readonly Lock _gate = new();
    private bool _ended;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _judge = judge();
        // It only hears what is read anyway (at start, after the console's own changes such as a boot in
        // process, for pages): it must not keep the watcher reading when nobody looks (issue 13).
        if (_judge is not null) _subscription = stream.Subscribe(OnState, watching: false);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Once: a host that stopped by itself (its app's lifetime ended, and the container disposed this) is
    /// asked to stop again by whoever disposes it later (WebApplicationFactory does): that is not an error.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _subscription?.Dispose();
        EndJudging();
        await _judging.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// Cancels a judging still running, once, under the lock Dispose takes: a stop and the container's
    /// Dispose can come at the same time (seen in the API tests: WebApplicationFactory stops the host
    /// while the thread running Program's app.Run() disposes it, and the stop cancelled a disposed source).
    /// </summary>
    private void EndJudging()
    {
        lock (_gate)
        {
            if (_ended) return;
            _ended = true;
            _stopping.Cancel();
        }
    }

    private void OnState(HostState state)
    {
        if (state.OnTrial is not { Trial: TrialState.Pending } be || !_judging.IsCompleted) return;
        LogJudging(logger, be.Name);
        _judging = Task.Run(() => JudgeAsync(be.Name));
    }

    private async Task JudgeAsync(string name)
    {
        try
        {
            if (await _judge!.JudgeIfDueAsync(_stopping.Token) is not { } result) return;
            LogJudged(logger, name, _judge.LastVerdict?.Detail, result.Action, result.Outcome.ToString(), result.Error?.Message);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The trial stays pending: the user can still Keep or Go back.
            LogJudgeFailed(logger, ex, name);
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        Interlocked.Exchange(ref _stopped, 1);
        EndJudging(); // a judging still running ends
        lock (_gate) _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Be} booted on trial: running the health command")]
    private static partial void LogJudging(ILogger logger, string be);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial of {Be}: {Verdict} -> {Action} {Outcome} {Error}")]
    private static partial void LogJudged(ILogger logger, string be, string? verdict, string action, string outcome, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Judging the trial of {Be} failed; it stays on trial")]
    private static partial void LogJudgeFailed(ILogger logger, Exception ex, string be);
}
