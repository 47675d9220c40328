using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

// promote, destroy, rename, rollback and zpool set bootfs, with zfs's refusals.
public sealed partial class SimulatedZfs
{
    /// <summary>
    /// The clone takes over its origin's snapshots up to and including the origin snapshot; the
    /// former origin file system becomes a clone of that (moved) snapshot, and the promoted one
    /// inherits the former origin's own origin.
    /// </summary>
    private void Promote(ZfsPromote c)
    {
        var fs = Existing(c, c.Dataset);
        if (fs.IsSnapshot) throw Fail(c, $"cannot promote '{c.Dataset}': operation not applicable to datasets of this type");
        if (fs.Origin is null || !_datasets.TryGetValue(fs.Origin, out var originSnap))
            throw Fail(c, $"cannot promote '{c.Dataset}': not a cloned filesystem");
        var formerParent = _datasets[originSnap.FileSystem];
        var moving = SnapshotsOf(formerParent.Name).Where(s => s.Txg <= originSnap.Txg).ToList();
        if (moving.FirstOrDefault(s => _datasets.ContainsKey($"{fs.Name}@{s.SnapshotName}")) is { } clash)
            throw Fail(c, $"cannot promote '{c.Dataset}': conflicting snapshot '{clash.SnapshotName}' from parent '{formerParent.Name}'");

        var grandOrigin = formerParent.Origin;
        foreach (var snap in moving) RenameDataset(snap, $"{fs.Name}@{snap.SnapshotName}");
        formerParent.Origin = originSnap.Name;
        fs.Origin = grandOrigin;
    }

    private void Destroy(ZfsDestroy c)
    {
        if (c.Name.Contains('@')) { DestroySnapshot(c); return; }
        var fs = Existing(c, c.Name);
        var what = $"cannot destroy '{c.Name}'";
        var below = Subtree(fs.Name).Where(d => d != fs).ToList();
        if (below.Count > 0 && !c.Recursive)
            throw Fail(c, $"{what}: filesystem has children\nuse '-r' to destroy the following datasets:\n{Names(below)}");
        var isPoolRoot = fs.Parent is null;
        if (isPoolRoot && !c.Recursive)
            throw Fail(c, $"{what}: operation does not apply to pools\nuse 'zfs destroy -r {fs.Name}' to destroy all datasets in the pool");
        // A pool's own dataset stays; -r on it empties the pool.
        var doomed = isPoolRoot ? below : [fs, .. below];
        DestroyAll(c, doomed, what);
    }

    private void DestroySnapshot(ZfsDestroy c)
    {
        var at = c.Name.IndexOf('@');
        var fsName = c.Name[..at];
        var doomed = c.Recursive && FindFileSystem(fsName) is { } fs
            ? Subtree(fs.Name).Where(d => !d.IsSnapshot).Select(d => _datasets.GetValueOrDefault($"{d.Name}{c.Name[at..]}")).OfType<SimDataset>().ToList()
            : _datasets.TryGetValue(c.Name, out var snap) && snap.IsSnapshot ? [snap] : [];
        if (doomed.Count == 0)
            throw Fail(c, $"cannot destroy '{c.Name}': dataset does not exist\ncould not find any snapshots to destroy; check snapshot names.");
        var clones = doomed.SelectMany(s => ClonesOf(s.Name)).ToList();
        if (clones.Count > 0)
            throw Fail(c, $"cannot destroy '{clones[0].Origin}': snapshot has dependent clones\nuse '-R' to destroy the following datasets:\n{Names(clones)}");
        foreach (var s in doomed) _datasets.Remove(s.Name);
    }

    /// <summary>Destroys file systems and snapshots together, unmounting what is mounted, or nothing at all.</summary>
    private void DestroyAll(ZfsCommand c, List<SimDataset> doomed, string what)
    {
        var names = doomed.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var outside = doomed.Where(d => d.IsSnapshot).SelectMany(s => ClonesOf(s.Name)).Where(d => !names.Contains(d.Name)).ToList();
        if (outside.Count > 0)
            throw Fail(c, $"{what}: filesystem has dependent clones\nuse '-R' to destroy the following datasets:\n{Names(outside)}");
        var mounted = doomed.Where(d => !d.IsSnapshot && IsMounted(d)).ToList();
        if (BusyBelow(mounted) is { } busy) throw Fail(c, Busy(busy));
        if (_mounts.Any(m => m.IsBind && m.Dataset is not null && names.Contains(m.Dataset)))
            throw Fail(c, $"{what}: dataset is busy");
        foreach (var d in mounted) RemoveZfsMount(d);
        foreach (var d in doomed) _datasets.Remove(d.Name);
        foreach (var pool in _pools.Values.Where(p => p.Bootfs is not null && names.Contains(p.Bootfs))) pool.Bootfs = null;
    }

    private void Rename(ZfsRename c)
    {
        var from = Existing(c, c.From);
        var what = $"cannot rename to '{c.To}'";
        if (from.IsSnapshot)
        {
            var at = c.To.IndexOf('@');
            if (at < 0 || c.To[..at] != from.FileSystem) throw Fail(c, $"{what}: snapshots must be part of same dataset");
            CheckComponent(c, c.To[(at + 1)..], what);
            if (_datasets.ContainsKey(c.To)) throw Fail(c, $"{what}: dataset already exists");
            RenameDataset(from, c.To);
            return;
        }
        if (from.Parent is null) throw Fail(c, $"cannot rename '{c.From}': operation does not apply to pools");
        if (PoolOf(c.To) != from.Pool) throw Fail(c, $"{what}: datasets must be within same pool");
        if (c.To.StartsWith(c.From + "/", StringComparison.Ordinal))
            throw Fail(c, $"cannot rename '{c.From}': New dataset name cannot be a descendant of current dataset name");
        CheckNewFileSystem(c, c.To, what);
        var family = Subtree(from.Name).ToList();
        // zfs-fuse cannot unmount and remount around a rename: it refuses while anything is mounted.
        if (family.Any(d => !d.IsSnapshot && IsMounted(d))) throw Fail(c, $"cannot rename '{c.From}': dataset is busy");
        // Clones of its snapshots change origin, so zfs unmounts and remounts them around the rename:
        // a busy one (the booted BE after a promote, with /var/shared on it) fails it (measured).
        var dependents = family.Where(d => d.IsSnapshot).SelectMany(s => ClonesOf(s.Name))
            .Where(d => IsMounted(d) && !d.Name.StartsWith(c.From + "/", StringComparison.Ordinal)).ToList();
        if (BusyBelow(dependents) is { } busy) throw Fail(c, Busy(busy));
        foreach (var d in family) RenameDataset(d, c.To + d.Name[c.From.Length..]);
    }

    /// <summary>Renames one dataset and every reference to it (origins, bootfs, binds of its files).</summary>
    private void RenameDataset(SimDataset ds, string newName)
    {
        var old = ds.Name;
        _datasets.Remove(old);
        ds.Name = newName;
        _datasets[newName] = ds;
        foreach (var clone in _datasets.Values.Where(d => d.Origin == old)) clone.Origin = newName;
        foreach (var pool in _pools.Values.Where(p => p.Bootfs == old)) pool.Bootfs = newName;
        for (var i = 0; i < _mounts.Count; i++)
            if (_mounts[i].Dataset == old) _mounts[i] = _mounts[i] with { Dataset = newName };
    }

    private void Rollback(ZfsRollback c)
    {
        var snap = Existing(c, c.Snapshot);
        var what = $"cannot rollback to '{c.Snapshot}'";
        if (!snap.IsSnapshot) throw Fail(c, $"cannot rollback '{c.Snapshot}': operation not applicable to datasets of this type");
        var later = SnapshotsOf(snap.FileSystem).Where(s => s.Txg > snap.Txg).ToList();
        if (later.Count > 0 && !c.DestroyLater)
            throw Fail(c, $"{what}: more recent snapshots exist\nuse '-r' to force deletion of the following snapshots:\n{Names(later)}");
        var clones = later.SelectMany(s => ClonesOf(s.Name)).ToList();
        if (clones.Count > 0)
            throw Fail(c, $"{what}: clones of previous snapshots exist\nuse '-R' to force deletion of the following clones and dependents:\n{Names(clones)}");
        foreach (var s in later) _datasets.Remove(s.Name);
        _datasets[snap.FileSystem].Root = snap.Root;
    }

    private void SetBootfs(ZpoolSetBootfs c)
    {
        if (!_pools.TryGetValue(c.Pool, out var pool)) throw Fail(c, $"cannot open '{c.Pool}': no such pool");
        var what = $"cannot set property for '{c.Pool}'";
        if (string.IsNullOrEmpty(c.Dataset)) { pool.Bootfs = null; return; }
        if (PoolOf(c.Dataset) != c.Pool) throw Fail(c, $"{what}: 'bootfs' is an invalid name");
        // zfs-fuse words both the same way (measured).
        if (!_datasets.TryGetValue(c.Dataset, out var ds) || ds.IsSnapshot) throw Fail(c, $"{what}: no such pool or dataset");
        pool.Bootfs = ds.Name;
    }

    private static string Names(IEnumerable<SimDataset> datasets) => string.Join('\n', datasets.Select(d => d.Name));
}
