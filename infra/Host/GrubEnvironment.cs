using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="ILoaderVariables"/> as GRUB's environment block, read and changed only with
/// <c>grub-editenv</c> (argv): <c>set saved_entry=</c> is what grub-set-default does, <c>set next_entry=</c>
/// what grub-reboot does. The engine checks beforehand that the file is no link (<c>BootLoaderSteps</c>).
/// </summary>
/// <param name="path">The grubenv file, as this process reaches it (HostRoot joined).</param>
public sealed class GrubEnvironment(string path, IProcessRunner runner) : ILoaderVariables
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<string?> GetAsync(string name, CancellationToken ct = default)
    {
        if (!File.Exists(path)) return null;
        var listed = (await runner.RunAsync(["grub-editenv", path, "list"], Timeout, ct)).EnsureSuccess();
        return listed.StandardOutput.Split('\n')
            .Where(l => l.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(l => l[(name.Length + 1)..]).LastOrDefault();
    }

    public async Task SetAsync(string name, string? value, CancellationToken ct = default) =>
        (await runner.RunAsync(DescribeSet(name, value), Timeout, ct)).EnsureSuccess();

    public IReadOnlyList<string> DescribeSet(string name, string? value) =>
        value is null ? ["grub-editenv", path, "unset", name] : ["grub-editenv", path, "set", $"{name}={value}"];
}
