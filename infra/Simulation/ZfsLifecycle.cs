using SnapUpgrade.Core.Zfs;
using static SnapUpgrade.Infra.Simulation.ZfsRules;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// zfs promote, destroy, rename and rollback and zpool set bootfs, with zfs's refusals (children,
/// dependent clones, busy mounts) checked before anything changes. Not thread-safe on its own:
/// <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class ZfsLifecycle(DatasetTable datasets, MountTable mounts, ZfsMounter mounter)
{
    /// <summary>
    /// The clone takes over its origin's snapshots up to and including the origin snapshot; the
    /// former origin file system becomes a clone of that (moved) snapshot, and the promoted one
    /// inherits the former origin's own origin.
    /// </summary>
    public void Promote(ZfsPromote c)
    {
        var fs = datasets.Existing(c, c.Dataset);
        if (fs.IsSnapshot) throw Fail(c, $"cannot promote '{c.Dataset}': operation not applicable to datasets of this type");
        if (fs.Origin is null || datasets.Find(fs.Origin) is not { } originSnap)
            throw Fail(c, $"cannot promote '{c.Dataset}': not a cloned filesystem");
        var formerParent = datasets[originSnap.FileSystem];
        var moving = datasets.SnapshotsOf(formerParent.Name).Where(s => s.Txg <= originSnap.Txg).ToList();
        if (moving.FirstOrDefault(s => datasets.Contains($"{fs.Name}@{s.SnapshotName}")) is { } clash)
            throw Fail(c, $"cannot promote '{c.Dataset}': conflicting snapshot '{clash.SnapshotName}' from parent '{formerParent.Name}'");

        var grandOrigin = formerParent.Origin;
        foreach (var snap in moving) Rename(snap, $"{fs.Name}@{snap.SnapshotName}");
        formerParent.Origin = originSnap.Name;
        fs.Origin = grandOrigin;
    }

    public void Destroy(ZfsDestroy c)
    {
        if (c.Name.Contains('@')) { DestroySnapshot(c); return; }
        var fs = datasets.Existing(c, c.Name);
        var what = $"cannot destroy '{c.Name}'";
        var below = datasets.Subtree(fs.Name).Where(d => d != fs).ToList();
        if (below.Count > 0 && !c.Recursive)
            throw Fail(c, $"{what}: filesystem has children\nuse '-r' to destroy the following datasets:\n{Names(below)}");
        var isPoolRoot = fs.Parent is null;
        if (isPoolRoot && !c.Recursive)
            throw Fail(c, $"{what}: operation does not apply to pools\nuse 'zfs destroy -r {fs.Name}' to destroy all datasets in the pool");
        // A pool's own dataset stays; -r on it empties the pool.
        DestroyAll(c, isPoolRoot ? below : [fs, .. below], what);
    }

    private void DestroySnapshot(ZfsDestroy c)
    {
        var at = c.Name.IndexOf('@');
        var fsName = c.Name[..at];
        var doomed = c.Recursive && datasets.FindFileSystem(fsName) is { } fs
            ? datasets.Subtree(fs.Name).Where(d => !d.IsSnapshot).Select(d => datasets.Find($"{d.Name}{c.Name[at..]}")).OfType<SimDataset>().ToList()
            : datasets.Find(c.Name) is { IsSnapshot: true } snap ? [snap] : [];
        if (doomed.Count == 0)
            throw Fail(c, $"cannot destroy '{c.Name}': dataset does not exist\ncould not find any snapshots to destroy; check snapshot names.");
        var clones = doomed.SelectMany(s => datasets.ClonesOf(s.Name)).ToList();
        if (clones.Count > 0)
            throw Fail(c, $"cannot destroy '{clones[0].Origin}': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\n{Names(clones)}");
        foreach (var s in doomed) datasets.Remove(s);
    }

    /// <summary>Destroys file systems and snapshots together, unmounting what is mounted, or nothing at all.</summary>
    private void DestroyAll(ZfsCommand c, List<SimDataset> doomed, string what)
    {
        var names = doomed.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var outside = doomed.Where(d => d.IsSnapshot).SelectMany(s => datasets.ClonesOf(s.Name)).Where(d => !names.Contains(d.Name)).ToList();
        if (outside.Count > 0)
            throw Fail(c, $"{what}: filesystem has dependent clones\nuse '-R' to destroy the following datasets:\n{Names(outside)}");
        var mounted = doomed.Where(d => !d.IsSnapshot && mounter.IsMounted(d)).ToList();
        if (mounter.BusyBelow(mounted) is { } busy) throw Fail(c, Busy(busy));
        if (mounts.BindsAnyOf(names)) throw Fail(c, $"{what}: dataset is busy");
        foreach (var d in mounted) mounts.RemoveZfsMount(d.Name);
        foreach (var d in doomed) datasets.Remove(d);
    }

    public void Rename(ZfsRename c)
    {
        var from = datasets.Existing(c, c.From);
        var what = $"cannot rename to '{c.To}'";
        if (from.IsSnapshot)
        {
            var at = c.To.IndexOf('@');
            if (at < 0 || c.To[..at] != from.FileSystem) throw Fail(c, $"{what}: snapshots must be part of same dataset");
            CheckComponent(c, c.To[(at + 1)..], what);
            if (datasets.Contains(c.To)) throw Fail(c, $"{what}: dataset already exists");
            Rename(from, c.To);
            return;
        }
        if (from.Parent is null) throw Fail(c, $"cannot rename '{c.From}': operation does not apply to pools");
        if (PoolOf(c.To) != from.Pool) throw Fail(c, $"{what}: datasets must be within same pool");
        if (c.To.StartsWith(c.From + "/", StringComparison.Ordinal))
            throw Fail(c, $"cannot rename '{c.From}': New dataset name cannot be a descendant of current dataset name");
        datasets.CheckNewFileSystem(c, c.To, what);
        var family = datasets.Subtree(from.Name).ToList();
        // zfs-fuse cannot unmount and remount around a rename: it refuses while anything is mounted.
        if (family.Any(d => !d.IsSnapshot && mounter.IsMounted(d))) throw Fail(c, $"cannot rename '{c.From}': dataset is busy");
        // Clones of its snapshots change origin, so zfs unmounts and remounts them around the rename:
        // a busy one (the booted BE after a promote, with /var/shared on it) fails it (measured).
        var dependents = family.Where(d => d.IsSnapshot).SelectMany(s => datasets.ClonesOf(s.Name))
            .Where(d => mounter.IsMounted(d) && !d.Name.StartsWith(c.From + "/", StringComparison.Ordinal)).ToList();
        if (mounter.BusyBelow(dependents) is { } busy) throw Fail(c, Busy(busy));
        foreach (var d in family) Rename(d, c.To + d.Name[c.From.Length..]);
    }

    /// <summary>Renames one dataset and every reference to it (origins, bootfs, mounts and binds of its files).</summary>
    private void Rename(SimDataset ds, string newName)
    {
        var old = ds.Name;
        datasets.Rename(ds, newName);
        mounts.RenameDataset(old, newName);
    }

    public void Rollback(ZfsRollback c)
    {
        var snap = datasets.Existing(c, c.Snapshot);
        var what = $"cannot rollback to '{c.Snapshot}'";
        if (!snap.IsSnapshot) throw Fail(c, $"cannot rollback '{c.Snapshot}': operation not applicable to datasets of this type");
        var later = datasets.SnapshotsOf(snap.FileSystem).Where(s => s.Txg > snap.Txg).ToList();
        if (later.Count > 0 && !c.DestroyLater)
            throw Fail(c, $"{what}: more recent snapshots exist\nuse '-r' to force deletion of the following snapshots:\n{Names(later)}");
        var clones = later.SelectMany(s => datasets.ClonesOf(s.Name)).ToList();
        if (clones.Count > 0)
            throw Fail(c, $"{what}: clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\n{Names(clones)}");
        foreach (var s in later) datasets.Remove(s);
        datasets[snap.FileSystem].Root = snap.Root;
    }

    public void SetBootfs(ZpoolSetBootfs c)
    {
        if (!datasets.Pools.TryGetValue(c.Pool, out var pool)) throw Fail(c, $"cannot open '{c.Pool}': no such pool");
        var what = $"cannot set property for '{c.Pool}'";
        if (string.IsNullOrEmpty(c.Dataset)) { pool.Bootfs = null; return; }
        if (PoolOf(c.Dataset) != c.Pool) throw Fail(c, $"{what}: 'bootfs' is an invalid name");
        // zfs-fuse words both the same way (measured).
        if (datasets.Find(c.Dataset) is not { IsSnapshot: false } ds) throw Fail(c, $"{what}: no such pool or dataset");
        pool.Bootfs = ds.Name;
    }
}
