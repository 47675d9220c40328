using Microsoft.Extensions.Configuration;
using SnapUpgrade.Infra.Host;

namespace SnapUpgrade.Infra.Composition;

public enum Backend { Simulated, Zfs }

/// <summary>
/// What one process of the published console does (<c>SnapUpgrade:Role</c>, ADR 0019): everything (the
/// default, one process), the privileged engine behind its Unix socket, or the unprivileged web that reaches
/// the engine only through that socket.
/// </summary>
public enum ConsoleRole { All, Engine, Web }

/// <summary>
/// The <c>SnapUpgrade</c> configuration section, read once, with its defaults filled in and checked.
/// Read lazily (at first resolve, not at registration) so settings a test host adds late still count.
/// </summary>
public sealed partial record HostSettings
{
    public const string Section = "SnapUpgrade";

    public required Backend Backend { get; init; }
    public ConsoleRole Role { get; init; } = ConsoleRole.All;
    /// <summary>The engine's Unix socket (<c>Engine:Socket</c>): where the engine listens and the web connects.</summary>
    public string EngineSocket { get; init; } = DefaultEngineSocket;
    /// <summary>The group whose members may use the engine's socket (<c>Engine:Group</c>); root always may.</summary>
    public string EngineGroup { get; init; } = DefaultEngineGroup;

    public const string DefaultEngineSocket = "/run/snapupgrade/engine.sock";
    public const string DefaultEngineGroup = "snapupgrade";
    public required string Pool { get; init; }
    /// <summary>"/" on a real host; the altroot directory in a lab.</summary>
    public required string HostRoot { get; init; }
    /// <summary>Where the SQLite file and the logs live.</summary>
    public required string DataDir { get; init; }
    /// <summary>The simulator's state file; null for the zfs backend.</summary>
    public string? StateFile { get; init; }

    /// <summary>How long a mutating operation waits for its turn before it answers Busy (<c>LockTimeoutSeconds</c>).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Host path of the console's private directory (0700) for temporary and default alternate-root
    /// mounts (<c>TempRoot</c>); default <c>/run/snapupgrade</c>.
    /// </summary>
    public string TempRoot { get; init; } = "/run/snapupgrade";

    /// <summary>
    /// The argv the engine's reboot runs (<c>RebootCommand:0</c>, <c>:1</c>, ...), e.g. after "activate and
    /// reboot". Empty (the default): the simulator and lab pools boot in process; a real host refuses.
    /// </summary>
    public IReadOnlyList<string> RebootCommand { get; init; } = [];

    /// <summary>
    /// Whether the engine's reboot is the in-process boot: no <see cref="RebootCommand"/> says how this host
    /// reboots, and it is the simulator or a lab pool (a HostRoot other than /). A container that sees the
    /// real host under /host looks like a lab; its RebootCommand is what keeps it from booting in process.
    /// </summary>
    public bool BootsInProcess => RebootCommand.Count == 0 && (Backend == Backend.Simulated || HostRoot != "/");

    /// <summary>
    /// The argv that judges a trial boot (<c>TrialHealthCommand:0</c>, ...): run after the trial BE's boot,
    /// again until it exits 0 within <see cref="TrialHealthLimit"/> (then the BE is kept) or the time is up (then
    /// the trial failed and the next boot goes back). Empty (the default): the user decides, Keep or Go back.
    /// </summary>
    public IReadOnlyList<string> TrialHealthCommand { get; init; } = [];
    /// <summary>How long after the boot the health command has to pass (<c>TrialHealthSeconds</c>, default 300).</summary>
    public TimeSpan TrialHealthLimit { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The boot loader activation tells (<c>BootLoader</c>: zfsbootmenu, grub, systemd-boot, none) and its
    /// paths (<c>Grub:Env</c>, <c>Grub:Menu</c>, <c>SystemdBoot:Esp</c>); default none: bootfs only (ADR 0016).
    /// </summary>
    public Core.Engine.BootLoaderOptions BootLoader { get; init; } = new();

    /// <summary>How this host upgrades into a new BE (<c>Upgrade:*</c>, ADR 0026); no command: upgrades are refused.</summary>
    public UpgradeSettings Upgrade { get; init; } = new();

    /// <summary>Reads and checks the section; throws <see cref="InvalidHostSettingsException"/> naming every problem.</summary>
    public static HostSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var errors = new List<string>();

        var role = ReadRole(section, errors);
        var socket = Value(section, "Engine:Socket") ?? DefaultEngineSocket;
        if (!Path.IsPathFullyQualified(socket) || socket.EndsWith('/'))
            errors.Add($"{Section}:Engine:Socket is '{socket}'; it must be the absolute path of a socket file such as {DefaultEngineSocket}.");
        var group = Value(section, "Engine:Group") ?? DefaultEngineGroup;
        if (!GroupName().IsMatch(group))
            errors.Add($"{Section}:Engine:Group is '{group}'; it must be a group name such as {DefaultEngineGroup}.");

        var backend = OneOf(section, "Backend", errors, "'simulated' or 'zfs'", ("simulated", Backend.Simulated), ("zfs", Backend.Zfs));

        var pool = Value(section, "Pool") ?? "rpool";
        if (Core.Model.Names.Check(pool, "pool") is { } poolError)
            errors.Add($"{Section}:Pool: {poolError.Message}");

        var hostRoot = Value(section, "HostRoot") ?? "/";
        if (!Path.IsPathFullyQualified(hostRoot))
            errors.Add($"{Section}:HostRoot is '{hostRoot}'; it must be an absolute path ('/' on a real host).");

        var dataDir = Value(section, "DataDir");
        if (dataDir is not null && !Path.IsPathFullyQualified(dataDir))
            errors.Add($"{Section}:DataDir is '{dataDir}'; it must be an absolute path.");

        var stateFile = Value(section, "StateFile");
        if (stateFile is not null && backend == Backend.Zfs)
            errors.Add($"{Section}:StateFile is set, but it is only used by the simulated backend.");
        if (stateFile is not null && !Path.IsPathFullyQualified(stateFile))
            errors.Add($"{Section}:StateFile is '{stateFile}'; it must be an absolute path.");

        var tempRoot = Value(section, "TempRoot") ?? "/run/snapupgrade";
        if (!tempRoot.StartsWith('/') || tempRoot == "/" || tempRoot.Split('/').Any(p => p is "." or ".."))
            errors.Add($"{Section}:TempRoot is '{tempRoot}'; it must be an absolute host path such as /run/snapupgrade.");

        var lockTimeout = TimeSpan.FromSeconds(30);
        if (Value(section, "LockTimeoutSeconds") is { } lockText)
        {
            if (double.TryParse(lockText, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 3600)
                lockTimeout = TimeSpan.FromSeconds(seconds);
            else
                errors.Add($"{Section}:LockTimeoutSeconds is '{lockText}'; use a number of seconds between 0 and 3600.");
        }

        var rebootCommand = Argv(section, "RebootCommand", "systemctl reboot", errors);
        var healthCommand = Argv(section, "TrialHealthCommand", "systemctl is-system-running --wait", errors);
        var healthLimit = TimeSpan.FromMinutes(5);
        if (Value(section, "TrialHealthSeconds") is { } limitText)
        {
            if (int.TryParse(limitText, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86400)
                healthLimit = TimeSpan.FromSeconds(seconds);
            else
                errors.Add($"{Section}:TrialHealthSeconds is '{limitText}'; use a whole number of seconds between 1 and 86400.");
        }

        var bootLoader = ReadBootLoader(section, backend, errors);
        var upgrade = ReadUpgrade(section, errors);

        if (errors.Count > 0)
            throw new InvalidHostSettingsException(errors);

        var settings = backend == Backend.Simulated
            ? Simulated(pool, hostRoot, dataDir, stateFile)
            : new HostSettings
            {
                Backend = Backend.Zfs, Pool = pool, HostRoot = hostRoot,
                DataDir = dataDir ?? Path.Combine(hostRoot, "var/adm/snapupgrade"),
            };
        return settings with
        {
            Role = role ?? ConsoleRole.All,
            EngineSocket = socket,
            EngineGroup = group,
            LockTimeout = lockTimeout,
            RebootCommand = rebootCommand,
            TempRoot = tempRoot.TrimEnd('/'),
            TrialHealthCommand = healthCommand,
            TrialHealthLimit = healthLimit,
            BootLoader = bootLoader,
            Upgrade = upgrade,
        };
    }

    private static UpgradeSettings ReadUpgrade(IConfigurationSection section, List<string> errors)
    {
        var defaults = new UpgradeSettings();
        var command = Argv(section, "Upgrade:Command", "chroot {root} apt-get -y dist-upgrade", errors);
        var extra = section.GetSection("Upgrade:AllowedPrograms").GetChildren()
            .Select(c => c.Value?.Trim()).Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        if (extra.FirstOrDefault(p => p.Contains('/') || p.Any(char.IsWhiteSpace)) is { } odd)
            errors.Add($"{Section}:Upgrade:AllowedPrograms has '{odd}'; list program names (dnf, zypper), not paths or lines.");
        if (command.Count > 0 && Core.Upgrade.UpgradeCommandPolicy.Check(command, extra) is { } why)
            errors.Add($"{Section}:Upgrade:Command `{string.Join(' ', command)}` is refused: {why}");
        int Whole(string key, int fallback, int min, int max, string unit)
        {
            if (Value(section, key) is not { } text) return fallback;
            if (int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            errors.Add($"{Section}:{key} is '{text}'; use a whole number of {unit} between {min} and {max}.");
            return fallback;
        }
        // A fraction of a minute too (0.5: 30 s), down to 15 s: a short command's limit, and the installed-service
        // test's, which waits out the limit and systemd's backstop after it (UpgradeUnit.Backstop).
        TimeSpan Minutes(string key, TimeSpan fallback)
        {
            if (Value(section, key) is not { } text) return fallback;
            if (decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture,
                    out var minutes) && minutes >= 0.25m && minutes <= 24 * 60)
                return TimeSpan.FromSeconds((double)Math.Round(minutes * 60));
            errors.Add($"{Section}:{key} is '{text}'; use a number of minutes between 0.25 (15 seconds) and {24 * 60}.");
            return fallback;
        }
        var applyAt = (Value(section, "Upgrade:ApplyAt") ?? "boot").ToLowerInvariant();
        if (applyAt is not ("boot" or "activation"))
            errors.Add($"{Section}:Upgrade:ApplyAt is '{applyAt}'; use boot (the new BE's first start applies its staged writes) or activation.");
        var runAs = OneOf(section, "Upgrade:RunAs", errors, "process (a child of the console, in its sandbox) " +
            "or unit (a transient systemd service of its own, as the installed engine does: needs systemd and root)",
            ("process", UpgradeRunAs.Process), ("unit", UpgradeRunAs.Unit));
        var operators = Value(section, "Upgrade:OperatorsMay") ?? "false";
        if (!bool.TryParse(operators, out var operatorsMay))
            errors.Add($"{Section}:Upgrade:OperatorsMay is '{operators}'; use true or false.");
        return new UpgradeSettings
        {
            Command = command,
            AllowedPrograms = extra,
            TimeLimit = Minutes("Upgrade:TimeoutMinutes", defaults.TimeLimit),
            StagingMiB = Whole("Upgrade:StagingMiB", defaults.StagingMiB, 16, 64 * 1024, "MiB"),
            OperatorsMay = operatorsMay,
            ApplyAtActivation = applyAt == "activation",
            RunAs = runAs ?? UpgradeRunAs.Process,
        };
    }

    /// <summary>
    /// The role alone, read at registration (what is registered depends on it); throws
    /// <see cref="InvalidHostSettingsException"/> for a bad value.
    /// </summary>
    public static ConsoleRole ReadRole(IConfiguration configuration)
    {
        var errors = new List<string>();
        var role = ReadRole(configuration.GetSection(Section), errors);
        return role ?? throw new InvalidHostSettingsException(errors);
    }

    private static ConsoleRole? ReadRole(IConfigurationSection section, List<string> errors) =>
        OneOf(section, "Role", errors, "'all' (one process), 'engine' (the privileged engine on its socket) or 'web' (the unprivileged web)",
            ("all", ConsoleRole.All), ("engine", ConsoleRole.Engine), ("web", ConsoleRole.Web));

    /// <summary>
    /// A setting that is one of a few words (any case): the value of the word given, the first word's when unset,
    /// or null with an error that names the choices (<paramref name="choices"/>).
    /// </summary>
    private static T? OneOf<T>(IConfigurationSection section, string key, List<string> errors, string choices, params (string Word, T Value)[] words)
        where T : struct
    {
        var text = Value(section, key) ?? words[0].Word;
        foreach (var (word, value) in words)
            if (string.Equals(word, text, StringComparison.OrdinalIgnoreCase)) return value;
        errors.Add($"{Section}:{key} is '{text}'; use {choices}.");
        return null;
    }

    private static Core.Engine.BootLoaderOptions ReadBootLoader(IConfigurationSection section, Backend? backend, List<string> errors)
    {
        var defaults = new Core.Engine.BootLoaderOptions();
        var text = Value(section, "BootLoader") ?? "none";
        var kinds = Enum.GetValues<Core.Engine.BootLoaderKind>();
        var kind = kinds.Cast<Core.Engine.BootLoaderKind?>()
            .FirstOrDefault(k => string.Equals(Core.Engine.BootLoaderOptions.Name(k!.Value), text, StringComparison.OrdinalIgnoreCase));
        if (kind is null)
            errors.Add($"{Section}:BootLoader is '{text}'; use {string.Join(", ", kinds.Select(k => $"'{Core.Engine.BootLoaderOptions.Name(k)}'"))}.");
        else if (kind != Core.Engine.BootLoaderKind.None && backend == Backend.Simulated)
            errors.Add($"{Section}:BootLoader is '{text}', but the simulated host boots in process: use 'none' with the simulated backend.");
        string HostPath(string key, string fallback)
        {
            var path = Value(section, key) ?? fallback;
            if (!path.StartsWith('/') || path == "/" || path.Split('/').Any(p => p is "." or ".."))
                errors.Add($"{Section}:{key} is '{path}'; it must be an absolute host path such as {fallback}.");
            return path.TrimEnd('/');
        }
        return new()
        {
            Kind = kind ?? Core.Engine.BootLoaderKind.None,
            GrubEnv = HostPath("Grub:Env", defaults.GrubEnv),
            GrubMenu = HostPath("Grub:Menu", defaults.GrubMenu),
            Esp = HostPath("SystemdBoot:Esp", defaults.Esp),
        };
    }

    private static HostSettings Simulated(string pool, string hostRoot, string? dataDir, string? stateFile)
    {
        stateFile ??= Simulation.SimulatedZfs.DefaultStateFile;
        return new HostSettings
        {
            Backend = Backend.Simulated, Pool = pool, HostRoot = hostRoot, StateFile = stateFile,
            // The simulator's per-user folder: the database sits next to the simulated host it describes.
            DataDir = dataDir ?? Path.GetDirectoryName(Path.GetFullPath(stateFile))!,
        };
    }

    /// <summary>An argv list (<c>Key:0=systemctl</c>, <c>Key:1=reboot</c>), in index order; never a shell line.</summary>
    private static List<string> Argv(IConfigurationSection section, string key, string example, List<string> errors)
    {
        var words = section.GetSection(key).GetChildren()
            .Select(c => (Index: int.TryParse(c.Key, out var i) ? i : -1, c.Value))
            .ToList();
        if (words.Any(w => w.Index < 0) || !string.IsNullOrWhiteSpace(section[key]))
        {
            var shown = string.Join(", ", example.Split(' ').Select((word, i) => $"{Section}:{key}:{i}={word}"));
            errors.Add($"{Section}:{key} must be an argv list ({shown}).");
        }
        return words.Where(w => w.Index >= 0 && !string.IsNullOrWhiteSpace(w.Value))
            .OrderBy(w => w.Index).Select(w => w.Value!).ToList();
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial System.Text.RegularExpressions.Regex GroupName();

    private static string? Value(IConfigurationSection section, string key) =>
        section[key] is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
}

/// <summary>The <c>Upgrade</c> settings (ADR 0026).</summary>
public sealed record UpgradeSettings
{
    /// <summary>The package command (<c>Upgrade:Command:0</c>, ...), <c>{root}</c> for the alternate root; empty: upgrades are refused.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];
    /// <summary>Package tools this host allows beyond <see cref="Core.Upgrade.UpgradeCommandPolicy.DefaultPrograms"/>.</summary>
    public IReadOnlyList<string> AllowedPrograms { get; init; } = [];
    /// <summary>How long a run may take before it is stopped (<c>Upgrade:TimeoutMinutes</c>, default 60, at least 0.25).</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromMinutes(60);
    /// <summary>The size of the tmpfs that takes a run's writes into shared directories (<c>Upgrade:StagingMiB</c>, default 512).</summary>
    public int StagingMiB { get; init; } = 512;
    /// <summary>Whether operators may run upgrades too (<c>Upgrade:OperatorsMay</c>, default false: admins only).</summary>
    public bool OperatorsMay { get; init; }

    /// <summary>
    /// <c>Upgrade:ApplyAt</c>: <c>boot</c> (default), the staged writes are applied at the new BE's first start;
    /// <c>activation</c>, when it is activated (for good, not a trial), while the old BE still runs.
    /// </summary>
    public bool ApplyAtActivation { get; init; }

    /// <summary>
    /// <c>Upgrade:RunAs</c>: <c>process</c> (default), the command is the console's child and shares its sandbox;
    /// <c>unit</c>, a transient systemd service of its own (<see cref="UpgradeUnit"/>), which the installed
    /// engine sets because its sandbox forbids what apt needs (network, <c>_apt</c>). The simulated host's own
    /// command runs in process either way.
    /// </summary>
    public UpgradeRunAs RunAs { get; init; }
}

public sealed class InvalidHostSettingsException(IReadOnlyList<string> problems)
    : Exception("Invalid SnapUpgrade configuration: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
