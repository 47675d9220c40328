using System.Text.Json;

namespace SnapUpgrade.Core.Model;

/// <summary>
/// What operations are checked and planned against: every name, dataset, flag, mount, origin,
/// snapshot and zone of a <see cref="HostState"/>, without the space counters. Those move at every
/// transaction group sync on a host that writes anything (logs, the audit database), so a plan made
/// a few seconds ago is still the plan when only they changed.
/// </summary>
public static class HostShape
{
    /// <summary>Equal strings: the same host as far as any operation's Validate and plan can tell.</summary>
    public static string Of(HostState state) => JsonSerializer.Serialize(state with
    {
        ReadAt = default,
        PoolSize = 0,
        PoolAllocated = 0,
        PoolFree = 0,
        BootEnvironments = [.. state.BootEnvironments.Select(b => b with
        {
            Used = 0, Referenced = 0, Snapshots = Bare(b.Snapshots), ZoneBes = [.. b.ZoneBes.Select(Bare)],
        })],
        Zones = [.. state.Zones.Select(z => z with
        {
            Shared = z.Shared is { } shared ? Bare(shared) : null, BootEnvironments = [.. z.BootEnvironments.Select(Bare)],
        })],
        SharedDatasets = [.. state.SharedDatasets.Select(Bare)],
    });

    private static ZoneBe Bare(ZoneBe zoneBe) => zoneBe with { Used = 0, Referenced = 0, Snapshots = Bare(zoneBe.Snapshots) };
    private static SharedDataset Bare(SharedDataset shared) => shared with { Used = 0, Referenced = 0 };
    private static IReadOnlyList<Snapshot> Bare(IReadOnlyList<Snapshot> snapshots) =>
        [.. snapshots.Select(s => s with { Used = 0, Referenced = 0 })];
}
