using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Reads each fixed directory of every BE and zone BE. Unmounted ones are mounted for a moment at a
/// private directory (the only way to look inside a ZFS file system), and put back afterwards.
/// </summary>
internal static class SharedInspector
{
    private static IEnumerable<(string Name, string? Zone, string Dataset, string? MountedAt, string MountPoint)> Targets(HostState state) =>
        state.BootEnvironments.Select(b => (b.Name, Zone: (string?)null, b.Dataset, MountedAt: b.IsBooted ? "/" : b.MountedAt, MountPoint: "/"))
            .Concat(state.Zones.SelectMany(z => z.BootEnvironments).Select(zb => (zb.Name, Zone: (string?)zb.Zone, zb.Dataset,
                zb.MountedAt, MountPoint: Layout.ZoneRoot(zb.Zone))));

    /// <summary>What a report depends on at the dataset level: which BEs and zone BEs there are, where
    /// they are mounted, and the shared datasets. Equal keys: the same things would be inspected.</summary>
    public static string Key(HostState state) => string.Join('\n',
        Targets(state).Select(t => $"{t.Dataset} {t.MountedAt}").Concat(state.SharedDatasets.Select(s => $"{s.Dataset} {s.MountedAt}")));

    public static async Task<IReadOnlyList<BeSharedHealth>> InspectAsync(OperationContext context, PlanExecutor executor,
        HostState state, CancellationToken ct)
    {
        var results = new List<BeSharedHealth>();
        foreach (var t in Targets(state))
        {
            var plan = new Plan();
            var mounts = new TemporaryMount();
            var root = mounts.Plan(context, plan, t.Zone is null ? t.Name : $"{t.Zone}-{t.Name}", t.Dataset, t.MountedAt, t.MountPoint);
            IReadOnlyList<SharedDirHealth> dirs = [];
            plan.Add("read the shared directories", ["stat", Layout.Under(root, "/var")], _ =>
            {
                dirs = Layout.SharedDirectories.Select(d => Read(context, Layout.Under(root, $"/var/{d}"), d)).ToList();
                return Task.CompletedTask;
            }, _ => Task.CompletedTask);
            mounts.Release(plan);
            try
            {
                await executor.ExecuteAsync(plan, ct);
                results.Add(new BeSharedHealth(t.Name, t.Zone, t.Dataset, dirs));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results.Add(new BeSharedHealth(t.Name, t.Zone, t.Dataset, [], ex.Message));
            }
        }
        return results;
    }

    private static SharedDirHealth Read(OperationContext context, string path, string dir)
    {
        var kind = context.Files.GetKind(path);
        var link = kind == Host.FileKind.Symlink ? context.Files.ReadLink(path) : null;
        return new SharedDirHealth(dir, SharedLinks.Classify(kind, link, dir), link);
    }
}
