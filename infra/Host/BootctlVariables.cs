using System.Text;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="ILoaderVariables"/> as systemd-boot's EFI variable <c>LoaderEntryOneShot</c>: set with
/// <c>bootctl set-oneshot &lt;id&gt;</c> (an empty id removes it), read from efivarfs. The only variable
/// the console changes this way: the default entry is loader.conf's, a file.
/// </summary>
public sealed class BootctlVariables(IProcessRunner runner, string efivars = "/sys/firmware/efi/efivars") : ILoaderVariables
{
    public const string OneShot = "LoaderEntryOneShot";
    // systemd's loader vendor GUID: the variables systemd-boot reads.
    private const string LoaderGuid = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";

    public Task<string?> GetAsync(string name, CancellationToken ct = default)
    {
        Only(name);
        var file = Path.Join(efivars, $"{name}-{LoaderGuid}");
        if (!File.Exists(file)) return Task.FromResult<string?>(null);
        // efivarfs: 4 bytes of attributes, then the value, UTF-16LE with a closing NUL.
        var value = Encoding.Unicode.GetString(File.ReadAllBytes(file).AsSpan(4)).TrimEnd('\0');
        return Task.FromResult<string?>(value.Length == 0 ? null : value);
    }

    public async Task SetAsync(string name, string? value, CancellationToken ct = default) =>
        (await runner.RunAsync(DescribeSet(name, value), TimeSpan.FromSeconds(30), ct)).EnsureSuccess();

    public IReadOnlyList<string> DescribeSet(string name, string? value)
    {
        Only(name);
        return ["bootctl", "set-oneshot", value ?? ""];
    }

    private static void Only(string name)
    {
        if (name != OneShot) throw new ArgumentException($"bootctl sets {OneShot} here, not {name}.", nameof(name));
    }
}
