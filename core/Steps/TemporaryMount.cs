using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// Makes an unmounted BE (or zone BE) readable for a moment: mounted at a fresh directory inside
/// the console's private 0700 directory, <c>nosuid,nodev</c> (and <c>noexec</c> for reads), then
/// unmounted and given its mountpoint back. The release steps go at the end of the plan. Every step
/// is journalled with its undo, so a crash in between is undone at the next start and no dataset
/// keeps a temporary mountpoint.
/// </summary>
public sealed class TemporaryMount(bool readOnlyUse)
{
    private readonly List<Action<Plan>> _releases = [];

    /// <summary>Mount options of the console's own mounts of BEs that are not booted.</summary>
    public string Options => readOnlyUse ? "nosuid,nodev,noexec" : "nosuid,nodev";

    /// <summary>Where the dataset's root can be read: where it is mounted, or a private directory planned here.</summary>
    public string Plan(OperationContext context, Plan plan, string label, string dataset, string? mountedAt, string mountPoint)
    {
        if (mountedAt is not null) return mountedAt;
        context.CheckPrivateRoot();
        var root = context.PrivateDirectory(label);
        FileSteps.EnsureDirectory(context, plan, root);
        context.AddZfs(plan, $"mount point of {dataset}: {root} (for a moment)", new ZfsSet(dataset, "mountpoint", root),
            new ZfsSet(dataset, "mountpoint", mountPoint));
        context.AddZfs(plan, $"mount {dataset} at {root} ({Options})", new ZfsMount(dataset, Options), new ZfsUnmount(dataset));
        _releases.Add(p =>
        {
            context.AddZfs(p, $"unmount {dataset}", new ZfsUnmount(dataset), new ZfsMount(dataset, Options));
            context.AddZfs(p, $"mount point of {dataset} back to {mountPoint}", new ZfsSet(dataset, "mountpoint", mountPoint),
                new ZfsSet(dataset, "mountpoint", root));
            FileSteps.RemoveDirectory(context, p, root);
        });
        return root;
    }

    /// <summary>Adds the release steps, last mounted first.</summary>
    public void Release(Plan plan)
    {
        for (var i = _releases.Count - 1; i >= 0; i--) _releases[i](plan);
    }
}
