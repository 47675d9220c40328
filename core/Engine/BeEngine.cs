using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The core engine: reads the host, and runs operations one at a time as check, plan, journal,
/// execute (undo on failure), journal. The only implementation of <see cref="IEngine"/>.
/// </summary>
public sealed partial class BeEngine : IEngine
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly IOperationJournal _journal;
    private readonly OperationContext _context;
    private readonly PlanExecutor _executor;
    private readonly ILogger _logger;
    private long _activity;
    private (long Activity, string Key, SharedHealthReport Report)? _health;

    /// <summary>
    /// How long a shared-health report is reused while the engine changed nothing and the same BEs are
    /// mounted in the same places: every open Overview and Shared page asks after each change, and a
    /// report costs a temporary mount per unmounted BE. A change inside a BE's files (by hand) shows
    /// within this time.
    /// </summary>
    public static readonly TimeSpan SharedHealthReuse = TimeSpan.FromSeconds(10);

    public BeEngine(IZfs zfs, IMounts mounts, IHostFiles files, IOperationJournal journal, EngineOptions options,
        TimeProvider? clock = null, ILogger<BeEngine>? logger = null)
    {
        _journal = journal;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _context = new OperationContext
        {
            Zfs = zfs, Mounts = mounts, Files = files, Layout = new Layout(options.Pool), Options = options,
            Clock = clock ?? TimeProvider.System,
        };
        _executor = new PlanExecutor(options, _logger);
    }

    public string BackendName => _context.Zfs.Capabilities.Name;

    public long Activity => Interlocked.Read(ref _activity);

    public async Task<HostState> GetStateAsync(CancellationToken ct = default) =>
        HostStateReader.Read(await _context.Zfs.ListAsync(_context.Options.Pool, ct), _context.Clock.GetUtcNow());

    public async Task<OperationResult> RunAsync(IOperation operation, bool dryRun = false, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        OperationResult Result(Outcome outcome, OperationError? error = null, Plan? plan = null) => new()
        {
            Action = operation.Action, Target = operation.Target, Outcome = outcome, DryRun = dryRun, Error = error,
            Steps = plan?.Steps.Select((s, i) => s.ToPlanned(i + 1)).ToList() ?? [],
            Report = plan?.Report.ToList() ?? [], FromBe = plan?.FromBe, ToBe = plan?.ToBe,
            Duration = Stopwatch.GetElapsedTime(started),
        };

        if (!await _turn.WaitAsync(_context.Options.LockTimeout, ct))
            return Result(Outcome.Refused, new(ErrorCode.Busy, "Another operation is running on this host; try again shortly."));
        try
        {
            var state = await GetStateAsync(ct);
            if (operation.Validate(state) is { } refusal) return Result(Outcome.Refused, refusal);
            Plan plan;
            try
            {
                plan = await operation.PlanAsync(_context, state, ct);
            }
            catch (OperationRefusedException ex)
            {
                return Result(Outcome.Refused, ex.Error);
            }
            if (dryRun) return Result(Outcome.Succeeded, plan: plan);
            return await ExecuteJournalledAsync(operation, plan, Result);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<OperationResult> ExecuteJournalledAsync(IOperation operation, Plan plan,
        Func<Outcome, OperationError?, Plan?, OperationResult> result)
    {
        // From here on the caller's cancellation is ignored: stopping half-way is what the journal guards against.
        var id = await _journal.BeginAsync(new JournalEntry
        {
            Action = operation.Action, Target = operation.Target, FromBe = plan.FromBe, ToBe = plan.ToBe,
            Plan = string.Join('\n', plan.Steps.Select((s, i) => s.ToPlanned(i + 1).CommandLine)),
            Started = _context.Clock.GetUtcNow(),
        });
        try
        {
            Interlocked.Increment(ref _activity);
            await _executor.ExecuteAsync(plan);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _activity);
            LogOperationFailed(_logger, operation.Action, operation.Target, ex.Message);
            await _journal.CompleteAsync(id, "failed", ex.Message);
            return result(Outcome.Failed, new(ErrorCode.OperationFailed, ex.Message), plan);
        }
        Interlocked.Increment(ref _activity);
        await _journal.CompleteAsync(id, "succeeded", null);
        LogOperationDone(_logger, operation.Action, operation.Target, plan.Steps.Count);
        return result(Outcome.Succeeded, null, plan);
    }

    /// <summary>
    /// After a crash: every journalled operation that never completed is closed as interrupted, and
    /// the derived state (zone <c>active</c> flags) is set again from the commit point (bootfs, or the
    /// one-shot next-boot BE). Returns what was found and done.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(CancellationToken ct = default)
    {
        var pending = await _journal.PendingAsync(ct);
        if (pending.Count == 0) return [];
        await _turn.WaitAsync(ct);
        try
        {
            var state = await GetStateAsync(ct);
            var plan = new Plan();
            ZoneFlags.Plan(_context, plan, state, state.BootTarget);
            await _executor.ExecuteAsync(plan, ct);
            var message = $"interrupted; reconciled to boot target '{state.BootTarget?.Name ?? "(none)"}', " +
                          $"{plan.Steps.Count} zone flag(s) corrected";
            foreach (var entry in pending)
            {
                await _journal.CompleteAsync(entry.Id, "interrupted", message, ct);
                LogReconciled(_logger, entry.Action, entry.Target, message);
            }
            return [.. pending.Select(p => $"{p.Action} {p.Target}: {message}")];
        }
        finally
        {
            _turn.Release();
        }
    }

    public async Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default)
    {
        await _turn.WaitAsync(ct);
        try
        {
            var state = await GetStateAsync(ct);
            var key = SharedInspector.Key(state);
            // Callers queue on the turn: those behind the first get its report, not one each.
            if (_health is { } cached && cached.Activity == Activity && cached.Key == key
                && _context.Clock.GetUtcNow() - cached.Report.ReadAt < SharedHealthReuse)
                return cached.Report;
            Interlocked.Increment(ref _activity);
            SharedHealthReport report;
            try
            {
                var entries = await SharedInspector.InspectAsync(_context, _executor, state, ct);
                report = new SharedHealthReport(entries, _context.Clock.GetUtcNow());
            }
            finally
            {
                Interlocked.Increment(ref _activity);
            }
            _health = (Activity, key, report);
            return report;
        }
        finally
        {
            _turn.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Action} {Target}: done in {Steps} steps")]
    private static partial void LogOperationDone(ILogger logger, string action, string? target, int steps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Action} {Target} failed: {Error}")]
    private static partial void LogOperationFailed(ILogger logger, string action, string? target, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal: {Action} {Target} was {Outcome}")]
    private static partial void LogReconciled(ILogger logger, string action, string? target, string outcome);
}
