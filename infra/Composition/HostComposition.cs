using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Remote;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;

namespace SnapUpgrade.Infra.Composition;

/// <summary>The composition root of the host side: settings, backend, journal and the engine.</summary>
public static class HostComposition
{
    /// <summary>
    /// The accounts, tokens and audit log alone, on the DataDir's database: what the admin commands
    /// need (no engine, and no pool to anchor the audit chain on: the console anchors the head it
    /// finds at its next start). In the web role the audit rows go to the engine, its only writer.
    /// </summary>
    public static IServiceCollection AddSnapUpgradeStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => HostSettings.Read(configuration));
        services.TryAddSingleton(sp => SqliteDatabase.InDataDir(sp.GetRequiredService<HostSettings>().DataDir));
        services.TryAddSingleton<IAccounts>(sp => new SqliteAccounts(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ITokens>(sp => new SqliteTokens(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new EngineClient(sp.GetRequiredService<HostSettings>().EngineSocket));
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<HostSettings>().Role == ConsoleRole.Web
            ? new RemoteAuditLog(sp.GetRequiredService<EngineClient>())
            : new SqliteAuditLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// The web role (ADR 0019): accounts and tokens on its own DataDir; the engine, the live host and the
    /// audit trail through the engine's socket. Nothing here starts a process or opens a host path: no
    /// backend, no journal, no watcher of its own, no trial watch (those live in the engine process).
    /// </summary>
    public static IServiceCollection AddSnapUpgradeWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSnapUpgradeStore(configuration);
        services.AddSingleton(sp => new RemoteEngine(sp.GetRequiredService<EngineClient>()));
        services.AddSingleton<IEngine>(sp => sp.GetRequiredService<RemoteEngine>());
        services.AddSingleton<RemoteHostStateStream>();
        services.AddSingleton<IHostStateStream>(sp => sp.GetRequiredService<RemoteHostStateStream>());
        services.AddHostedService<WebStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<RemoteHostStateStream>());
        services.AddSingleton(sp => new AuditedOperations(sp.GetRequiredService<IEngine>(), sp.GetRequiredService<IAuditLog>(),
            sp.GetRequiredService<IHostStateStream>()));
        services.AddSingleton<IUpgrades>(sp => new RemoteUpgrades(sp.GetRequiredService<EngineClient>()));
        return services;
    }

    /// <summary>
    /// The package command upgrades run: the simulator's own on the simulated host (the demo shows the whole
    /// workflow), the configured argv on a real one (a child process or a transient unit, <c>Upgrade:RunAs</c>), none when the host configures none (upgrades refused).
    /// </summary>
    private static IUpgradeCommand? UpgradeCommandOf(IServiceProvider services, HostSettings settings) =>
        settings.Backend == Backend.Simulated
            ? new SimulatedUpgradeCommand(services.GetRequiredService<SimulatedZfs>(), settings.Upgrade.TimeLimit)
            : settings.Upgrade.Command.Count == 0
                ? null
                : new UpgradeCommand(settings.Upgrade.Command, settings.HostRoot, settings.Upgrade.TimeLimit, settings.Upgrade.AllowedPrograms,
                    services.GetRequiredService<TimeProvider>(), settings.Upgrade.RunAs, services.GetRequiredService<IProcessRunner>(), settings.Pool);

    /// <summary><c>SnapUpgrade:WatchIntervalMs</c> (default 1000; 50..2000 so changes stay visible within 2 s).</summary>
    private static TimeSpan WatchInterval(IConfiguration configuration) =>
        int.TryParse(configuration[HostWatcher.IntervalKey], out var ms) && ms is >= 50 and <= 2000
            ? TimeSpan.FromMilliseconds(ms)
            : HostWatcher.DefaultInterval;

    /// <summary><c>SnapUpgrade:SafetyReadSeconds</c> (default 300; 10..3600): while the host's changes are followed, the longest time between listings.</summary>
    private static TimeSpan SafetyRead(IConfiguration configuration) =>
        int.TryParse(configuration[HostWatcher.SafetyReadKey], out var seconds) && seconds is >= 10 and <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : HostWatcher.DefaultSafetyRead;

    /// <summary>
    /// Registers the engine for the <c>SnapUpgrade</c> section. Nothing is read at registration:
    /// the settings are read (and checked) when first resolved, which <see cref="EngineStartup"/>
    /// does at start, so a bad setting stops the host with a clear message.
    /// </summary>
    public static IServiceCollection AddSnapUpgradeHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(_ => HostSettings.Read(configuration));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            return new SimulatedZfs(settings.StateFile, sp.GetRequiredService<TimeProvider>());
        });
        // The reboot command's runner (EngineHost hands it to RebootCommand): nothing above the engine starts processes.
        services.TryAddSingleton<IProcessRunner>(new ProcessRunner());
        services.AddSingleton<EngineHost>();
        // The ports and the engine exist once EngineStartup has run; before that they throw.
        services.AddSingleton<IZfs>(sp => sp.GetRequiredService<EngineHost>().Zfs);
        services.AddSingleton<IMounts>(sp => sp.GetRequiredService<EngineHost>().Mounts);
        services.AddSingleton<IHostFiles>(sp => sp.GetRequiredService<EngineHost>().Files);
        services.AddSingleton<IEngine>(sp => sp.GetRequiredService<EngineHost>().Engine);
        services.AddSingleton(sp => SqliteDatabase.InDataDir(sp.GetRequiredService<HostSettings>().DataDir));
        // Both write audit rows; EngineHost attaches the pool's anchor to the writer at start.
        services.AddSingleton(sp => new AuditAnchorWriter(sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<AuditAnchorWriter>>()));
        services.AddSingleton<IOperationJournal>(sp => new SqliteOperationJournal(sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<AuditAnchorWriter>()));
        services.AddSingleton(sp => new SqliteAuditLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<AuditAnchorWriter>()));
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<SqliteAuditLog>());
        services.AddSingleton<IAccounts>(sp => new SqliteAccounts(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ITokens>(sp => new SqliteTokens(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new AuditedOperations(sp.GetRequiredService<IEngine>(), sp.GetRequiredService<IAuditLog>(),
            sp.GetRequiredService<IHostStateStream>(), sp.GetRequiredService<HostSettings>().Upgrade.ApplyAtActivation));
        services.AddSingleton<IUpgrades>(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            return new UpgradeRuns(sp.GetRequiredService<IEngine>(), sp.GetRequiredService<AuditedOperations>(), sp.GetRequiredService<IAuditLog>(),
                UpgradeCommandOf(sp, settings), new UpgradeRunOptions(settings.Upgrade.OperatorsMay, settings.Upgrade.StagingMiB),
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<EngineStartup>();
        // After EngineStartup (hosted services start in order): the watcher reads the started engine.
        services.AddSingleton(sp => new HostWatcher(() => sp.GetRequiredService<IEngine>(), WatchInterval(configuration),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<HostWatcher>>(),
            changes: () => sp.GetRequiredService<EngineHost>().Changes, safetyRead: SafetyRead(configuration)));
        services.AddSingleton<IHostStateStream>(sp => sp.GetRequiredService<HostWatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<HostWatcher>());
        // Trial boots: judged by the configured health command, if any, once the trial BE is booted.
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<HostSettings>();
            var health = settings.TrialHealthCommand.Count == 0
                ? null
                : new HealthCommand(settings.TrialHealthCommand, settings.TrialHealthLimit, sp.GetRequiredService<IProcessRunner>(),
                    sp.GetRequiredService<TimeProvider>());
            return new TrialJudge(sp.GetRequiredService<IEngine>(), sp.GetRequiredService<AuditedOperations>(), health);
        });
        // A standby console judges nothing: the console holding the engine does, once.
        services.AddHostedService(sp => new TrialWatch(sp.GetRequiredService<IHostStateStream>(),
            () => sp.GetRequiredService<EngineHost>().IsStandby ? null : sp.GetRequiredService<TrialJudge>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<TrialWatch>>()));
        // Last, so it stops first: a running upgrade ends (cancelled, finished, audited) before the rest stops.
        services.AddHostedService(sp => new UpgradesStop(() => sp.GetRequiredService<IUpgrades>()));
        return services;
    }
}
