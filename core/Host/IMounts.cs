namespace SnapUpgrade.Core.Host;

/// <summary>
/// Non-ZFS mounts: the read-only (or, on request, read-write) bind mounts of shared datasets into
/// an alternate root. Paths are host paths. Implementations: <c>LinuxMounts</c> (mount/umount as
/// argv; remount ro after bind) and the simulator.
/// </summary>
public interface IMounts
{
    /// <summary>Bind mounts currently made (only binds: ZFS mounts are reported by <c>IZfs</c>).</summary>
    Task<IReadOnlyList<BindMount>> ListAsync(CancellationToken ct = default);

    /// <summary>Bind <paramref name="source"/> at <paramref name="target"/> (which must exist), read-only unless asked.</summary>
    Task BindAsync(string source, string target, bool readOnly, CancellationToken ct = default);

    Task UnmountAsync(string target, CancellationToken ct = default);

    /// <summary>The argv <see cref="BindAsync"/> runs, for dry runs.</summary>
    IReadOnlyList<IReadOnlyList<string>> DescribeBind(string source, string target, bool readOnly);

    /// <summary>The argv <see cref="UnmountAsync"/> runs, for dry runs.</summary>
    IReadOnlyList<string> DescribeUnmount(string target);
}

public sealed record BindMount(string Source, string Target, bool ReadOnly);
