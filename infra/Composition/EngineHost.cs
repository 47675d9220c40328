using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Infra.Zfs;

namespace SnapUpgrade.Infra.Composition;

/// <summary>
/// Builds the engine once, at start, where async work may happen (detecting the zfs flavour,
/// seeding the simulator, reconciling an interrupted activation): DI constructors stay synchronous.
/// <see cref="EngineStartup"/> calls <see cref="StartAsync"/> before the server takes requests.
/// </summary>
public sealed partial class EngineHost(IServiceProvider services, HostSettings settings, ILogger<EngineHost> logger)
{
    private Ports? _ports;
    // Held for the process's life: the kernel releases it when the process ends.
    private EngineLock? _lock;
    private BeEngine? _engine;

    public HostSettings Settings => settings;

    /// <summary>Started without the engine's lock: another console runs this pool, this one changes nothing.</summary>
    public bool IsStandby => _engine is not null && _lock is null;

    public IEngine Engine => _engine ?? throw NotStarted();

    public IZfs Zfs => (_ports ?? throw NotStarted()).Zfs;
    public IMounts Mounts => (_ports ?? throw NotStarted()).Mounts;
    public IHostFiles Files => (_ports ?? throw NotStarted()).Files;

    /// <summary>What reports the host's changes to the watcher (ADR 0023): on OpenZFS its event stream and the mount table; elsewhere none (it polls).</summary>
    public IHostChanges? Changes => (_ports ?? throw NotStarted()).Changes;

    public async Task StartAsync(CancellationToken ct)
    {
        if (_engine is not null) return;
        _lock = EngineLock.TryAcquire(settings.DataDir, settings.Pool, out var holder);
        if (_lock is null) LogStandby(logger, holder);
        var options = new EngineOptions
        {
            Standby = _lock is null ? holder : null,
            Pool = settings.Pool,
            CanBootInProcess = settings.BootsInProcess,
            LockTimeout = settings.LockTimeout,
            TempRoot = settings.TempRoot,
            BootLoader = settings.BootLoader,
        };
        _ports = settings.Backend == Backend.Simulated ? await SimulatedAsync(options, ct) : await RealAsync(ct);
        var journal = services.GetRequiredService<IOperationJournal>();
        var reboot = settings.RebootCommand.Count == 0
            ? null
            : new RebootCommand(settings.RebootCommand, services.GetRequiredService<IProcessRunner>());
        var engine = new BeEngine(_ports.Zfs, _ports.Mounts, _ports.Files, journal, options,
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<BeEngine>>(), reboot, Loader(),
            _ports.Mounts as Core.Host.IStagingMounts);
        await AnchorAuditAsync(_ports.Zfs, engine, writes: _lock is not null, ct);
        if (_lock is not null) await ReconcileAsync(engine, journal, ct);
        // The engine role keeps no accounts: the web's DataDir has them.
        if (settings.Role != ConsoleRole.Engine) await EnsureAccountsAsync(ct);
        _engine = engine;
        LogStarted(logger, engine.BackendName, settings.Pool, settings.HostRoot, settings.DataDir);
        if (_lock is null) return;
        await AtStartAsync(ct);
    }

    /// <summary>
    /// From one read of the host: the first start on a migrated BE carries over what the old BE wrote after
    /// the clone, and after a real reboot the one-shot mark the loader has used goes (both audited as system).
    /// </summary>
    private async Task AtStartAsync(CancellationToken ct)
    {
        Func<string, Task>? stopUnit = settings.Backend == Backend.Zfs && settings.Upgrade.RunAs == UpgradeRunAs.Unit
            ? be => StopLeftoverUnitAsync(UpgradeUnit.Name(settings.Pool, be))
            : null;
        var (carried, forgotten, stopped) = await services.GetRequiredService<AuditedOperations>().AtStartAsync(stopUnit, ct);
        foreach (var upgrade in stopped)
            LogUpgradeAtStart(logger, upgrade.Action, upgrade.Target, AuditRecords.Text(upgrade.Outcome), upgrade.Error?.Message ?? string.Join(" ", upgrade.Report));
        if (carried is not null)
            LogCarriedOver(logger, carried.Target, AuditRecords.Text(carried.Outcome),
                carried.Error?.Message ?? string.Join(Environment.NewLine, carried.Report));
        if (forgotten is not null) LogOneShotForgotten(logger, forgotten.Target, forgotten.Outcome, forgotten.Error?.Message);
    }

    /// <summary>
    /// An engine killed mid-upgrade (SIGKILL, OOM) leaves the command's transient unit running: it is not in the
    /// engine's control group. For each upgrade found running at start, its unit (the one name a run into that BE
    /// on this pool has: another engine's runs are never touched) is stopped before the upgrade is finished as
    /// failed, so its BE is not unmounted under a running apt. A unit that is not loaded is no failure: the run had
    /// ended. A stop that fails is logged, and the finish goes on: the unit ends at its RuntimeMaxSec.
    /// </summary>
    private async Task StopLeftoverUnitAsync(string unit)
    {
        if (await UpgradeUnit.StopAsync(services.GetRequiredService<IProcessRunner>(), unit) is { } failed)
            LogLeftoverStopFailed(logger, failed);
    }

    /// <summary>
    /// Attaches the pool's audit anchor (a standby console only reads it: the console holding the
    /// engine writes it) and, holding the engine, compares the audit log's end with it before writing
    /// the current head (the full walk stays with verification: it takes seconds at a million rows).
    /// A finding (rows cut off the end, an older copy of the database, another database) is logged
    /// and recorded as an audit row before the anchor moves on: from then on the chain itself holds
    /// it, and <c>zpool history</c> the anchor it was found against.
    /// </summary>
    private async Task AnchorAuditAsync(IZfs zfs, BeEngine engine, bool writes, CancellationToken ct)
    {
        var anchor = services.GetRequiredService<AuditAnchorWriter>();
        anchor.Attach(new ZfsAuditAnchor(zfs, settings.Pool, engine), writes);
        if (!writes) return;
        var audit = services.GetRequiredService<SqliteAuditLog>();
        if (await audit.AnchorFindingAsync(ct) is { } finding)
        {
            LogAuditBroken(logger, finding);
            await audit.AppendAsync(AuditRecords.For(Actor.System, VerifyAction, null, Outcome.Failed, message: $"At start: {finding}"), ct);
        }
        else if (await audit.HeadAsync(ct) is { } head)
        {
            anchor.Post(head);
        }
    }

    /// <summary>The action of the audit row that records what the pool's anchor found missing at start.</summary>
    public const string VerifyAction = "audit-verify";

    /// <summary>
    /// After a crash: operations left open are undone or rolled forward (<see cref="BeEngine.ReconcileAsync"/>),
    /// which completes each journal row and so writes its one audit row, naming the actor the journal
    /// recorded. Rows that older consoles completed without their audit row (they appended it after
    /// the journal's completion, and could die in between) get one now, from the journal.
    /// </summary>
    private async Task ReconcileAsync(BeEngine engine, IOperationJournal journal, CancellationToken ct)
    {
        foreach (var line in await engine.ReconcileAsync(ct))
            LogReconciled(logger, line);
        var audit = services.GetRequiredService<IAuditLog>();
        foreach (var entry in await journal.UnauditedAsync(ct))
        {
            var outcome = AuditRecords.Parse(entry.Outcome) ?? Outcome.Interrupted;
            var message = outcome == Outcome.Interrupted
                ? $"Interrupted (started {entry.Started:u}); at start: {entry.Message}"
                : $"The console stopped after this operation {entry.Outcome} (started {entry.Started:u}) and before its audit row was written; recorded at start from the journal. {entry.Message}".TrimEnd();
            var record = AuditRecords.For(Actor.System, entry.Action, entry.Target, outcome, message: message);
            await audit.AppendAsync(record with { FromBe = entry.FromBe, ToBe = entry.ToBe, JournalId = entry.Id }, ct);
            LogAuditedLate(logger, entry.Action, entry.Target, entry.Outcome);
        }
    }

    /// <summary>First start: an admin with a random password, in a file only its owner reads (never in the log).</summary>
    private async Task EnsureAccountsAsync(CancellationToken ct)
    {
        var accounts = services.GetRequiredService<IAccounts>();
        if (await FirstStart.EnsureAdminAsync(accounts, settings.DataDir, ct) is not null)
            LogAdminCreated(logger, FirstStart.PasswordFile(settings.DataDir));
        if (settings.Backend != Backend.Simulated) return;
        var demo = await FirstStart.EnsureDemoAccountsAsync(accounts, settings.DataDir, ct);
        if (demo.Count > 0)
            LogDemoAccounts(logger, string.Join(", ", demo.Keys), FirstStart.PasswordFile(settings.DataDir));
    }

    private async Task<Ports> SimulatedAsync(EngineOptions options, CancellationToken ct)
    {
        var host = services.GetRequiredService<SimulatedZfs>();
        if (!host.HasPool(settings.Pool)) await SeedDemoAsync(host, options, ct);
        return new Ports(host, host, host, host);
    }

    /// <summary>
    /// A new simulated pool gets the demo host, made by the engine's operations. Its journal and
    /// audit trail are a scratch database, removed afterwards: the seed lands whole in the state
    /// file or not at all, and a seed cut off half-way must leave no pending journal row behind
    /// (the next start would undo it on the host seeded again). The demo starts with an empty journal.
    /// </summary>
    private async Task SeedDemoAsync(SimulatedZfs host, EngineOptions options, CancellationToken ct)
    {
        LogSeeding(logger, settings.Pool, settings.StateFile);
        var scratch = Directory.CreateTempSubdirectory("snapupgrade-demo-seed-");
        try
        {
            var database = SqliteDatabase.InDataDir(scratch.FullName);
            await DemoHost.SeedAsync(host, options, new SqliteOperationJournal(database), new SqliteAuditLog(database), ct);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>The boot loader's files (under HostRoot, never through links) and variables, by their tools.</summary>
    private LoaderPorts? Loader()
    {
        var runner = services.GetRequiredService<IProcessRunner>();
        return settings.BootLoader.Kind switch
        {
            BootLoaderKind.Grub => new(new LocalFiles(settings.HostRoot),
                new GrubEnvironment(Path.Join(settings.HostRoot, settings.BootLoader.GrubEnv), runner)),
            BootLoaderKind.SystemdBoot => new(new LocalFiles(settings.HostRoot), new BootctlVariables(runner)),
            _ => null,
        };
    }

    private async Task<Ports> RealAsync(CancellationToken ct)
    {
        var zfs = await ZfsCli.DetectAsync(ct: ct);
        await RequirePoolAsync(zfs, ct);
        var changes = zfs.Capabilities.EventStream
            ? new MergedHostChanges(new ZpoolEventChanges(settings.Pool), new MountTableChanges(settings.Pool))
            : null;
        return new(zfs, new LinuxMounts(settings.HostRoot), new LocalFiles(settings.HostRoot), changes);
    }

    /// <summary>
    /// A pool that is not there (not imported, a typo in the setting) stops the start with one sentence
    /// saying so, not a stack trace from the audit anchor's first read.
    /// </summary>
    private async Task RequirePoolAsync(ZfsCli zfs, CancellationToken ct)
    {
        try
        {
            await zfs.ListAsync(settings.Pool, ct);
        }
        catch (ZfsCommandException ex) when (ex.StandardError.Contains("no such pool", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidHostSettingsException([
                $"{HostSettings.Section}:Pool is '{settings.Pool}', but this host has no such pool ({ex.StandardError.Trim()}): " +
                $"import it (zpool import {settings.Pool}) or name the pool the console manages."]);
        }
    }

    private static InvalidOperationException NotStarted() =>
        new("The engine is not started: EngineStartup starts it before the server takes requests.");

    private sealed record Ports(IZfs Zfs, IMounts Mounts, IHostFiles Files, IHostChanges? Changes = null);

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine started on {Backend}: pool {Pool}, host root {HostRoot}, data in {DataDir}")]
    private static partial void LogStarted(ILogger logger, string backend, string pool, string hostRoot, string dataDir);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated pool {Pool} is new: seeding the demo host into {StateFile}")]
    private static partial void LogSeeding(ILogger logger, string pool, string? stateFile);

    // Never the password itself: logs are read by more people than the 0600 file (issue 9).
    [LoggerMessage(Level = LogLevel.Warning, Message = "First start: created the account 'admin'. Its password is in {PasswordFile} " +
        "(readable only by this user); change it with `user passwd admin`.")]
    private static partial void LogAdminCreated(ILogger logger, string passwordFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulated demo: created the accounts {Accounts}; their passwords are in {PasswordFile}")]
    private static partial void LogDemoAccounts(ILogger logger, string accounts, string passwordFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "First start of {Be}: carry-over {Outcome}: {Report}")]
    private static partial void LogCarriedOver(ILogger logger, string? be, string outcome, string report);

    [LoggerMessage(Level = LogLevel.Warning, Message = "At start, {Action} {Be} (an upgrade cut off by a stop is finished as failed; the first start of an upgraded BE applies its staged writes): {Outcome} {Report}")]
    private static partial void LogUpgradeAtStart(ILogger logger, string action, string? be, string outcome, string report);

    [LoggerMessage(Level = LogLevel.Error, Message = "At start, stopping an upgrade's unit left by a killed engine: {Why}")]
    private static partial void LogLeftoverStopFailed(ILogger logger, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "The boot loader has used the one-shot boot of {Be}: forgetting it: {Outcome} {Error}")]
    private static partial void LogOneShotForgotten(ILogger logger, string? be, Outcome outcome, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audited at start from the journal: {Action} {Target} {Outcome}")]
    private static partial void LogAuditedLate(ILogger logger, string action, string? target, string? outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "The audit log does not match the pool's anchor: {Finding}")]
    private static partial void LogAuditBroken(ILogger logger, string finding);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Why}")]
    private static partial void LogStandby(ILogger logger, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciled at start: {Line}")]
    private static partial void LogReconciled(ILogger logger, string line);
}
