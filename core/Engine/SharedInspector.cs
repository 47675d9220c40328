using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Reads each fixed directory of every BE and zone BE. Unmounted ones are mounted for a moment at a
/// private directory (the only way to look inside a ZFS file system), and put back afterwards.
/// </summary>
internal static class SharedInspector
{
    public static async Task<IReadOnlyList<BeSharedHealth>> InspectAsync(OperationContext context, PlanExecutor executor,
        HostState state, CancellationToken ct)
    {
        var targets = state.BootEnvironments.Select(b => (b.Name, Zone: (string?)null, b.Dataset,
                MountedAt: b.IsBooted ? "/" : b.MountedAt, MountPoint: "/"))
            .Concat(state.Zones.SelectMany(z => z.BootEnvironments).Select(zb => (zb.Name, Zone: (string?)zb.Zone, zb.Dataset,
                zb.MountedAt, MountPoint: Layout.ZoneRoot(zb.Zone))));
        var results = new List<BeSharedHealth>();
        foreach (var t in targets)
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
