using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// The core engine: reads the host, and runs operations one at a time as check, plan, journal,
/// execute (each step written ahead to the journal; undo on failure), journal. The only
/// implementation of <see cref="IEngine"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "The engine lives as long as the process; its SemaphoreSlim never makes a wait handle, so holds nothing to free.")]
public sealed partial class BeEngine : IEngine
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly IOperationJournal _journal;
    private readonly OperationContext _context;
    private readonly PlanExecutor _executor;
    private readonly ILogger _logger;
    private readonly PlanTokens _tokens = new();
    // The seeds of reviewed plans that ran (hex): a token runs once. Touched only under _turn.
    private readonly HashSet<string> _ranSeeds = [];
    private long _activity;
    // When the latest changes ran (the host's wall clock), newest last: host events of those moments are the engine's own.
    private readonly ChangeWindows _windows = new();
    // The latest listing of the pool and its state, exact as of Activity (null: read the pool next).
    private Known? _known;
    // The last check's reading of each BE and zone BE, by dataset: what an unmounted one shows.
    private IReadOnlyDictionary<string, BeSharedHealth> _checked = new Dictionary<string, BeSharedHealth>();

    /// <param name="reboot">The host's reboot command, if one is configured (see <see cref="RebootHost"/>).</param>
    /// <param name="loader">The boot loader's files and variables, for GRUB and systemd-boot (<see cref="EngineOptions.BootLoader"/>).</param>
    public BeEngine(IZfs zfs, IMounts mounts, IHostFiles files, IOperationJournal journal, EngineOptions options,
        TimeProvider? clock = null, ILogger<BeEngine>? logger = null, IHostReboot? reboot = null, LoaderPorts? loader = null,
        IStagingMounts? staging = null)
    {
        _journal = journal;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _context = new OperationContext
        {
            Zfs = zfs, Mounts = mounts, Files = files, Layout = new Layout(options.Pool), Options = options,
            Clock = clock ?? TimeProvider.System, Reboot = reboot, Loader = loader, Staging = staging,
        };
        _executor = new PlanExecutor(options, new UndoRunner(_context), _logger, patientSteps: zfs.Capabilities.ReleasesAfterUnmount);
    }

    public string BackendName => _context.Zfs.Capabilities.Name;

    public long Activity => Interlocked.Read(ref _activity);

    public bool CanReboot => _context.Options.CanBootInProcess || _context.Reboot is not null;

    public async Task<HostState> GetStateAsync(CancellationToken ct = default)
    {
        var activity = Activity;
        var listing = await _context.Zfs.ListAsync(_context.Options.Pool, ct);
        var state = StateOf(listing, _known?.State);
        Remember(listing, state, activity);
        return state;
    }

    /// <summary>
    /// The state the engine knows the host to be in: the last listing while nothing changed through the
    /// engine since, or, after an operation, that listing with what the operation touched read again
    /// (<see cref="ListingSplice"/>); else a new listing. What the watcher shows after an operation, and what
    /// reads that follow a pushed state (shared health, per page and per push) use: neither lists the
    /// pool again (issue 13). Changes made behind the console's back come with the watcher's next listing.
    /// </summary>
    public async Task<HostState> GetKnownStateAsync(CancellationToken ct = default) =>
        Latest() is { } known ? known.State : await GetStateAsync(ct);

    private Known? Latest() => _known is { } known && known.Activity == Activity ? known : null;

    /// <summary>
    /// The last listing with <paramref name="scope"/> read fresh and spliced in (<see cref="ListingSplice.Splice"/>),
    /// no agreement asked for: the watcher read it because a host event said those datasets changed, and
    /// only them. Without a latest listing, a listing.
    /// </summary>
    public async Task<HostState> RereadAsync(ReadScope scope, CancellationToken ct = default)
    {
        var activity = Activity;
        if (Latest() is not { } known) return await GetStateAsync(ct);
        var spliced = ListingSplice.Splice(known.Listing, await _context.Zfs.ReadAsync(_context.Options.Pool, scope, ct), scope);
        var state = StateOf(spliced, known.State);
        Remember(spliced, state, activity);
        return state;
    }

    public bool WasChanging(DateTimeOffset moment) => _windows.Contains(moment);

    /// <summary>
    /// Sets the audit's anchor on the pool's root (<see cref="UserProperties.AuditHead"/>, written after every
    /// audited action by <c>IAuditAnchor</c>) as the engine's own change, between operations: the host's event
    /// of it is not read back (<see cref="WasChanging"/>; a <c>set</c> on the pool's root would be a listing of
    /// the whole pool after every operation), and the latest listing takes the new value. No check or plan
    /// reads it and no state shows it, so <see cref="Activity"/> does not move.
    /// </summary>
    public async Task WriteAuditAnchorAsync(string value, CancellationToken ct = default)
    {
        var pool = _context.Options.Pool;
        await _turn.WaitAsync(ct);
        try
        {
            var known = Latest();
            _windows.Begin();
            try
            {
                await _context.Zfs.ExecuteAsync(new ZfsSet(pool, UserProperties.AuditHead, value), ct);
            }
            finally
            {
                _windows.End();
            }
            if (known?.Listing.Find(pool) is { } root && ReferenceEquals(_known, known))
            {
                var scope = new ReadScope([], [pool]);
                _known = known with { Listing = ListingSplice.Splice(known.Listing, new PoolListing(known.Listing.Pool, [root with { AuditHead = value }]), scope) };
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <param name="previous">A state read before, whose BEs are kept where their datasets did not change (<see cref="HostStateReader"/>).</param>
    private HostState StateOf(PoolListing listing, HostState? previous) =>
        BootLoaderSteps.Describe(_context, HostStateReader.Read(listing, _context.Clock.GetUtcNow(), previous));

    /// <summary>Keeps a listing as the latest when nothing changed through the engine while it was read.</summary>
    private void Remember(PoolListing listing, HostState state, long activity)
    {
        if (activity % 2 == 0 && Activity == activity) _known = new(listing, state, activity);
    }

    /// <summary>
    /// The state an operation is checked and planned on, and the scope it reads again when it ran: its own
    /// scope read fresh and spliced into the latest listing when the fresh read agrees with it; the whole
    /// pool when there is no latest listing, the operation has no scope, or the read shows that the host
    /// changed behind the console's back (<see cref="ListingSplice.Disagreement"/>).
    /// </summary>
    private async Task<(HostState State, PoolListing Listing, ReadScope? Scope)> ReadForAsync(IOperation operation, CancellationToken ct)
    {
        var activity = Activity;
        if (Latest() is { } known && operation.Scope(known.State, _context.Layout) is { } scope)
        {
            var fresh = await _context.Zfs.ReadAsync(_context.Options.Pool, scope, ct);
            if (ListingSplice.Disagreement(known.Listing, fresh, scope) is not { } why)
            {
                // The host is as known but for space figures, which no check or plan uses: plan on the known
                // state (a state is not built again for nothing: at 1000 BEs that is most of what an operation
                // costs the simulator), and splice the fresh figures into the listing the end reads into.
                return (known.State, ListingSplice.Splice(known.Listing, fresh, scope), scope);
            }
            LogChangedBehind(_logger, operation.Action, operation.Target, why);
        }
        var listing = await _context.Zfs.ListAsync(_context.Options.Pool, ct);
        var read = StateOf(listing, _known?.State);
        Remember(listing, read, activity);
        return (read, listing, operation.Scope(read, _context.Layout));
    }

    /// <summary>
    /// Ends a change (an operation ran, or failed and undid): what it touched is read again into the
    /// listing it was planned on and kept as what the engine knows, and only then does
    /// <see cref="Activity"/> move on, so whoever sees it move finds that state ready (the watcher does
    /// not list the pool for it). Without a scope, or when the read fails, the next read lists the pool.
    /// </summary>
    /// <param name="planned">The state the change was planned on: its BEs are kept where the read shows them unchanged.</param>
    /// <param name="moves">Of a plan that ran: the snapshots it moved (<see cref="Plan.Moves"/>), known where they arrived without a read.</param>
    private async Task EndChangeAsync(PoolListing before, HostState planned, ReadScope? scope, IReadOnlyDictionary<string, string>? moves = null)
    {
        _known = null;
        var ended = Activity + 1;
        if (scope is not null)
        {
            try
            {
                if (moves is { Count: > 0 }) scope = Scopes.AfterMoves(scope, moves, before);
                var fresh = await _context.Zfs.ReadAsync(_context.Options.Pool, scope);
                if (moves is { Count: > 0 } && ListingSplice.Contradiction(fresh, moves) is { } why)
                    LogMovesContradicted(_logger, why); // nothing is known: the next read lists the pool
                else
                {
                    var listing = ListingSplice.Splice(before, fresh, scope, moves);
                    _known = new(listing, StateOf(listing, planned), ended);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRereadFailed(_logger, ex.Message); // the operation's outcome stands; only what is known of it is lost
            }
        }
        Interlocked.Increment(ref _activity);
        _windows.End();
    }

    public Task<OperationResult> RunAsync(IOperation operation, bool dryRun = false, CancellationToken ct = default) =>
        RunAsync(operation, new RunRequest { DryRun = dryRun }, ct);

    public Task<OperationResult> RunAsync(IOperation operation, RunRequest request, CancellationToken ct = default) =>
        RunAsync(operation, request, assume: null, ct);

    public Task<OperationResult> PlanAheadAsync(IOperation operation, Func<HostState, Layout, HostState> assume, CancellationToken ct = default) =>
        RunAsync(operation, new RunRequest { DryRun = true }, assume, ct);

    /// <param name="assume">For a plan ahead: the state to check and plan on, made from the one read (a dry run, without a token).</param>
    private async Task<OperationResult> RunAsync(IOperation operation, RunRequest request, Func<HostState, Layout, HostState>? assume,
        CancellationToken ct)
    {
        var dryRun = request.DryRun || assume is not null;
        var started = Stopwatch.GetTimestamp();
        OperationResult Result(Outcome outcome, OperationError? error = null, Plan? plan = null) => new()
        {
            Action = operation.Action, Target = operation.Target, Outcome = outcome, DryRun = dryRun, Error = error,
            Steps = plan?.Steps.Select((s, i) => s.ToPlanned(i + 1)).ToList() ?? [],
            Report = plan?.Report.ToList() ?? [], FromBe = plan?.FromBe, ToBe = plan?.ToBe,
            SharedHealth = plan?.SharedHealth, Duration = Stopwatch.GetElapsedTime(started),
        };

        if (_context.Options.Standby is { } standby && !dryRun)
            return Result(Outcome.Refused, new(ErrorCode.OtherConsole, standby));
        var generated = GeneratedValues.Fresh(_context.Clock);
        byte[]? reviewedHash = null;
        if (request.Reviewed is { } token)
        {
            if (_tokens.Read(token) is not { } reviewed)
                return Result(Outcome.Refused, new(ErrorCode.InvalidPlanToken,
                    "The plan token is not one this console issued (malformed, altered, or from before a restart); review the plan again."));
            (generated, reviewedHash) = reviewed;
        }
        // A refusal of a reviewed plan means the host moved under it (the review passed these checks).
        OperationError Refusal(OperationError error) => reviewedHash is null ? error : PlanChanged(error.Message);
        if (!await _turn.WaitAsync(_context.Options.LockTimeout, ct))
            return Result(Outcome.Refused, new(ErrorCode.Busy, "Another operation is running on this host; try again shortly."));
        try
        {
            var seed = Convert.ToHexString(generated.Seed);
            if (reviewedHash is not null && _ranSeeds.Contains(seed))
                return Result(Outcome.Refused, new(ErrorCode.InvalidPlanToken, "This reviewed plan has run already; review the plan again."));
            var (state, listing, scope) = await ReadForAsync(operation, ct);
            if (assume is not null) state = assume(state, _context.Layout);
            if (operation.Validate(state) is { } refusal) return Result(Outcome.Refused, Refusal(refusal));
            Plan plan;
            try
            {
                plan = await operation.PlanAsync(_context.For(generated, listing), state, ct);
            }
            catch (OperationRefusedException ex)
            {
                return Result(Outcome.Refused, Refusal(ex.Error));
            }
            catch (UnsafePathException ex)
            {
                return Result(Outcome.Refused, Refusal(new(ErrorCode.UnsafePath, ex.Message)));
            }
            var hash = PlanTokens.Hash(operation, plan);
            if (reviewedHash is not null && !CryptographicOperations.FixedTimeEquals(hash, reviewedHash))
                return Result(Outcome.Refused, PlanChanged(null));
            if (assume is not null) return Result(Outcome.Succeeded, plan: plan);
            if (dryRun) return Result(Outcome.Succeeded, plan: plan) with { PlanToken = _tokens.Issue(generated, hash) };
            if (reviewedHash is not null) _ranSeeds.Add(seed);
            return await ExecuteJournalledAsync(operation, plan, request.Actor ?? Actor.System, Result, listing, state, scope);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <param name="listing">What the plan was made on, and <paramref name="scope"/> what to read again into it when the plan ran (<see cref="EndChangeAsync"/>).</param>
    private async Task<OperationResult> ExecuteJournalledAsync(IOperation operation, Plan plan, Actor actor,
        Func<Outcome, OperationError?, Plan?, OperationResult> result, PoolListing listing, HostState planned, ReadScope? scope)
    {
        // What ran is read again: the scope, and what the plan makes beyond it.
        scope = scope is null || plan.Touches.Count == 0 ? scope : ReadScope.Union(scope, new ReadScope([], plan.Touches));
        // From here on the caller's cancellation is ignored: stopping half-way is what the journal guards against.
        // Begin throws when the audit log cannot take a row: then nothing has run.
        var id = await _journal.BeginAsync(new JournalEntry
        {
            Action = operation.Action, Target = operation.Target, FromBe = plan.FromBe, ToBe = plan.ToBe,
            Actor = actor.Name, Role = Roles.Name(actor.Role), Source = actor.Source,
            Plan = string.Join('\n', plan.Steps.Select((s, i) => s.ToPlanned(i + 1).CommandLine)),
            Started = _context.Clock.GetUtcNow(), Undos = [.. plan.Steps.Select(s => s.Undo)],
        });
        try
        {
            _windows.Begin();
            Interlocked.Increment(ref _activity);
            await _executor.ExecuteAsync(plan, new JournalStepLog(_journal, id));
        }
        catch (Exception ex)
        {
            await EndChangeAsync(listing, planned, scope);
            LogOperationFailed(_logger, operation.Action, operation.Target, ex.Message);
            var code = ex is UnsafePathException || ex.InnerException is UnsafePathException ? ErrorCode.UnsafePath : ErrorCode.OperationFailed;
            await _journal.CompleteAsync(id, new JournalCompletion(Outcome.Failed, ex.Message, code));
            return result(Outcome.Failed, new(code, ex.Message), plan) with { JournalId = id };
        }
        await EndChangeAsync(listing, planned, scope, plan.Moves);
        await _journal.CompleteAsync(id, new JournalCompletion(Outcome.Succeeded,
            operation.AuditsReport ? JournalCompletion.Summary(plan.Report) : null));
        if (plan.SharedHealth is { } health)
            _checked = health.Entries.ToDictionary(e => e.Dataset);
        else if (operation.Target is { } target && _checked.Values.Any(e => e.Be == target))
            _checked = _checked.Where(e => e.Value.Be != target).ToDictionary(); // what was checked of it may have changed
        LogOperationDone(_logger, operation.Action, operation.Target, plan.Steps.Count);
        return result(Outcome.Succeeded, null, plan) with { JournalId = id };
    }

    /// <summary>
    /// After a crash: every journalled operation that never completed is undone from its journalled
    /// undo data (the step that was cut off may be half done: its undos apply where they find
    /// something to undo). One past its point of no return (a destroy ran) cannot be undone: it is
    /// finished from its journalled commands (<see cref="RollForward"/>), from the step cut off on,
    /// each skipped where done, and closed as interrupted with what was rolled forward. Then the
    /// derived state (zone <c>active</c> flags) is set again from the commit point (bootfs, or the
    /// one-shot next-boot BE). Returns what was found and done.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(CancellationToken ct = default)
    {
        if (_context.Options.Standby is not null) return []; // the console that holds the engine owns its journal
        var pending = await _journal.PendingAsync(ct);
        if (pending.Count == 0) return [];
        await _turn.WaitAsync(ct);
        try
        {
            var lines = new List<string>();
            // Newest first: an operation is undone on the host as the later one left it.
            foreach (var entry in pending.Reverse())
            {
                string message;
                if (entry.PastNoReturn)
                {
                    try
                    {
                        var finished = await _executor.FinishAsync(entry.Undos, entry.StepsStarted - 1);
                        message = $"interrupted past its point of no return at step {entry.StepsStarted} of {entry.Undos.Count}; " +
                                  $"rolled forward ({string.Join("; ", finished)})";
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        message = $"interrupted past its point of no return at step {entry.StepsStarted} of {entry.Undos.Count}; rolling forward failed: {ex.Message}";
                    }
                }
                else
                {
                    try
                    {
                        await _executor.UndoAsync(entry.StartedSteps(), cause: null, ownUndoOfLast: true);
                        message = $"interrupted at step {entry.StepsStarted} of {entry.Undos.Count}; undone";
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        message = $"interrupted at step {entry.StepsStarted} of {entry.Undos.Count}; undoing failed: {ex.Message}";
                    }
                }
                var state = await GetStateAsync(ct);
                var flags = new Plan();
                ZoneFlags.Plan(_context, flags, state, state.BootTarget);
                await _executor.ExecuteAsync(flags, ct: ct);
                message += $"; reconciled to boot target '{state.BootTarget?.Name ?? "(none)"}', {flags.Steps.Count} zone flag(s) corrected";
                await _journal.CompleteAsync(entry.Id, Outcome.Interrupted, message, ct);
                LogReconciled(_logger, entry.Action, entry.Target, message);
                lines.Add($"{entry.Action} {entry.Target}: {message}");
            }
            _known = null; // the zone flags were set after the last read
            lines.Reverse();
            return lines;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Never mounts anything: mounted BEs are read now (lstat and readlink only), the others come
    /// from the last <see cref="CheckSharedHealth"/>, or are reported as not checked. Which BEs there
    /// are and where they are mounted comes from the last read while the engine changed nothing since.
    /// </summary>
    public async Task<SharedHealthReport> GetSharedHealthAsync(CancellationToken ct = default)
    {
        var state = await GetKnownStateAsync(ct);
        var now = _context.Clock.GetUtcNow();
        var known = _checked;
        var entries = SharedReader.Targets(state).Select(t => t.MountedAt is { } root
            ? SharedReader.Read(_context.Files, t, root, now)
            : known.GetValueOrDefault(t.Dataset) is { } last && last.Be == t.Be
                ? last
                : new BeSharedHealth(t.Be, t.Zone, t.Dataset, [])).ToList();
        return new SharedHealthReport(entries, now);
    }

    private static OperationError PlanChanged(string? why) => new(ErrorCode.PlanChanged,
        $"The host changed since the plan was reviewed{(why is null ? "" : $": {why.TrimEnd('.')}")}; review the new plan.");

    private sealed record Known(PoolListing Listing, HostState State, long Activity);

    private sealed class JournalStepLog(IOperationJournal journal, long id) : IStepLog
    {
        public Task StartedAsync(int index) => journal.StepStartedAsync(id, index);
        public Task WillAsync(int index, Undo undo) => journal.WillUndoAsync(id, index, undo);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Action} {Target}: done in {Steps} steps")]
    private static partial void LogOperationDone(ILogger logger, string action, string? target, int steps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Action} {Target} failed: {Error}")]
    private static partial void LogOperationFailed(ILogger logger, string action, string? target, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Action} {Target}: the host changed behind the console's back ({Why}); reading the whole pool")]
    private static partial void LogChangedBehind(ILogger logger, string action, string? target, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading what an operation touched failed ({Error}); the next read lists the whole pool")]
    private static partial void LogRereadFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "What an operation moved is not where its plan moved it ({Why}); the next read lists the whole pool")]
    private static partial void LogMovesContradicted(ILogger logger, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal: {Action} {Target} was {Outcome}")]
    private static partial void LogReconciled(ILogger logger, string action, string? target, string outcome);
}
