using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Tests.Scenarios.Lab;

/// <summary>
/// systemd-boot's EFI variables where there is no EFI: what the engine set, for the test to read (and
/// the in-process boot to use up, as systemd-boot does). Describes the argv the real one runs.
/// </summary>
public sealed class ObservedEfiVariables : ILoaderVariables
{
    public Dictionary<string, string> Values { get; } = [];
    /// <summary>Every set, in order (null: removed).</summary>
    public List<(string Name, string? Value)> Sets { get; } = [];

    public Task<string?> GetAsync(string name, CancellationToken ct = default) => Task.FromResult(Values.GetValueOrDefault(name));

    public Task SetAsync(string name, string? value, CancellationToken ct = default)
    {
        Sets.Add((name, value));
        if (value is null) Values.Remove(name);
        else Values[name] = value;
        return Task.CompletedTask;
    }

    public IReadOnlyList<string> DescribeSet(string name, string? value) => ["bootctl", "set-oneshot", value ?? ""];
}
