using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Makes an unmounted BE (or zone BE) readable for a moment: mounted at a fresh private directory,
/// then unmounted and given its mountpoint back. The release steps go at the end of the plan.
/// </summary>
public sealed class TemporaryMount
{
    private readonly List<Action<Plan>> _releases = [];

    /// <summary>Where the dataset's root can be read: where it is mounted, or a private directory planned here.</summary>
    public string Plan(OperationContext context, Plan plan, string label, string dataset, string? mountedAt, string mountPoint)
    {
        if (mountedAt is not null) return mountedAt;
        var root = context.PrivateDirectory(label);
        FileSteps.EnsureDirectory(context, plan, root);
        context.AddZfs(plan, $"mount point of {dataset}: {root} (for a moment)", new ZfsSet(dataset, "mountpoint", root),
            new ZfsSet(dataset, "mountpoint", mountPoint));
        context.AddZfs(plan, $"mount {dataset} at {root}", new ZfsMount(dataset), new ZfsUnmount(dataset));
        _releases.Add(p =>
        {
            context.AddZfs(p, $"unmount {dataset}", new ZfsUnmount(dataset), new ZfsMount(dataset));
            context.AddZfs(p, $"mount point of {dataset} back to {mountPoint}", new ZfsSet(dataset, "mountpoint", mountPoint),
                new ZfsSet(dataset, "mountpoint", root));
            p.Add($"remove directory {root}", ["rmdir", root], _ =>
            {
                context.Files.Delete(root);
                return Task.CompletedTask;
            }, _ =>
            {
                context.Files.CreateDirectory(root);
                return Task.CompletedTask;
            });
        });
        return root;
    }

    /// <summary>Adds the release steps, last mounted first.</summary>
    public void Release(Plan plan)
    {
        for (var i = _releases.Count - 1; i >= 0; i--) _releases[i](plan);
    }
}
