namespace SnapUpgrade.Core.Engine;

/// <summary>How the engine is set up for one host.</summary>
public sealed record EngineOptions
{
    public required string Pool { get; init; }
    /// <summary>
    /// Host path of the console's own directory (made 0700, root's) below which private mount
    /// directories are made: never /tmp, where any user could reach an old BE's setuid binaries.
    /// </summary>
    public string TempRoot { get; init; } = "/run/snapupgrade";
    /// <summary>Where a BE may be mounted at a path the user gives: at or under one of these, or <see cref="TempRoot"/>.</summary>
    public IReadOnlyList<string> MountRoots { get; init; } = ["/a", "/mnt"];
    /// <summary>How long a mutating operation waits for its turn before it answers Busy.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A step failing with "busy" is tried again this many times (zfs-fuse needs it after unmount).</summary>
    public int BusyRetries { get; init; } = 5;
    public TimeSpan BusyRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>
    /// Set when another process runs the engine of this pool (it holds the engine lock): this engine
    /// then reads the host but refuses every change and reconciles nothing, saying this.
    /// </summary>
    public string? Standby { get; init; }
    /// <summary>
    /// True where a boot is done in-process: the simulator, or a lab pool under a HostRoot, unless a
    /// reboot command is configured (then that is how this host reboots).
    /// </summary>
    public bool CanBootInProcess { get; init; }
    /// <summary>The boot loader activation tells, besides bootfs (ADR 0016); default none.</summary>
    public BootLoaderOptions BootLoader { get; init; } = new();
}
