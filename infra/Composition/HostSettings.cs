using Microsoft.Extensions.Configuration;

namespace SnapUpgrade.Infra.Composition;

public enum Backend { Simulated, Zfs }

/// <summary>
/// The <c>SnapUpgrade</c> configuration section, read once, with its defaults filled in and checked.
/// Read lazily (at first resolve, not at registration) so settings a test host adds late still count.
/// </summary>
public sealed record HostSettings
{
    public const string Section = "SnapUpgrade";

    public required Backend Backend { get; init; }
    public required string Pool { get; init; }
    /// <summary>"/" on a real host; the altroot directory in a lab.</summary>
    public required string HostRoot { get; init; }
    /// <summary>Where the SQLite file and the logs live.</summary>
    public required string DataDir { get; init; }
    /// <summary>The simulator's state file; null for the zfs backend.</summary>
    public string? StateFile { get; init; }

    public string BackendName => Backend == Backend.Simulated ? "simulated" : "zfs";

    /// <summary>Reads and checks the section; throws <see cref="InvalidHostSettingsException"/> naming every problem.</summary>
    public static HostSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var errors = new List<string>();

        var backendText = Value(section, "Backend") ?? "simulated";
        Backend? backend = backendText.ToLowerInvariant() switch
        {
            "simulated" => Backend.Simulated,
            "zfs" => Backend.Zfs,
            _ => null,
        };
        if (backend is null)
            errors.Add($"{Section}:Backend is '{backendText}'; use 'simulated' or 'zfs'.");

        var pool = Value(section, "Pool") ?? "rpool";
        if (Core.Operations.Names.Check(pool, "pool") is { } poolError)
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

        if (errors.Count > 0)
            throw new InvalidHostSettingsException(errors);

        return backend == Backend.Simulated
            ? Simulated(pool, hostRoot, dataDir, stateFile)
            : new HostSettings
            {
                Backend = Backend.Zfs, Pool = pool, HostRoot = hostRoot,
                DataDir = dataDir ?? Path.Combine(hostRoot, "var/adm/snapupgrade"),
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

    private static string? Value(IConfigurationSection section, string key) =>
        section[key] is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
}

public sealed class InvalidHostSettingsException(IReadOnlyList<string> problems)
    : Exception("Invalid SnapUpgrade configuration: " + string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
