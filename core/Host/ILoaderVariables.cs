namespace SnapUpgrade.Core.Host;

/// <summary>
/// The boot loader's variables, changed only by the loader's own tools, as argv: GRUB's environment
/// block (<c>saved_entry</c>, <c>next_entry</c>) with <c>grub-editenv</c>, systemd-boot's EFI variable
/// <c>LoaderEntryOneShot</c> with <c>bootctl set-oneshot</c>. Implementations: <c>GrubEnvironment</c>,
/// <c>BootctlVariables</c>, and tests' observable ones (there is no EFI on a test machine).
/// </summary>
public interface ILoaderVariables
{
    /// <summary>The variable's value, or null when it is not set.</summary>
    Task<string?> GetAsync(string name, CancellationToken ct = default);

    /// <summary>Sets the variable, or removes it when <paramref name="value"/> is null.</summary>
    Task SetAsync(string name, string? value, CancellationToken ct = default);

    /// <summary>The argv <see cref="SetAsync"/> runs, for plans and dry runs.</summary>
    IReadOnlyList<string> DescribeSet(string name, string? value);
}

/// <summary>
/// What the engine changes of the boot loader, which lives outside the pool: its files (GRUB's menu,
/// systemd-boot's ESP), read and written without following links, and its variables.
/// </summary>
public sealed record LoaderPorts(IHostFiles Files, ILoaderVariables Variables);
