using SnapUpgrade.Core.Zfs;
using static SnapUpgrade.Infra.Simulation.ZfsRules;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// <see cref="ZfsCommand"/> records interpreted with zfs semantics over the dataset and mount
/// tables: create, snapshot and clone here, the rest handed to the part that owns it. Each command
/// checks what zfs checks before it changes anything. Not thread-safe on its own:
/// <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class ZfsCommands
{
    private readonly DatasetTable _datasets;
    private readonly ZfsMounter _mounter;
    private readonly ZfsProperties _properties;
    private readonly ZfsLifecycle _lifecycle;
    private readonly Func<DateTimeOffset> _now;

    /// <param name="now">The host's clock (backdated while the demo seeds).</param>
    public ZfsCommands(DatasetTable datasets, MountTable mounts, PathResolver paths, TreeWriter tree, Func<DateTimeOffset> now)
    {
        _datasets = datasets;
        _mounter = new ZfsMounter(datasets, mounts, paths, tree);
        _properties = new ZfsProperties(datasets, mounts, _mounter);
        _lifecycle = new ZfsLifecycle(datasets, mounts, _mounter);
        _now = now;
    }

    public void Execute(ZfsCommand command)
    {
        switch (command)
        {
            case ZfsCreate c: Create(c); break;
            case ZfsSnapshot c: Snapshot(c); break;
            case ZfsClone c: Clone(c); break;
            case ZfsPromote c: _lifecycle.Promote(c); break;
            case ZfsDestroy c: _lifecycle.Destroy(c); break;
            case ZfsRename c: _lifecycle.Rename(c); break;
            case ZfsSet c: _properties.Set(c); break;
            case ZfsInherit c: _properties.Inherit(c); break;
            case ZfsMount c: _mounter.Mount(c); break;
            case ZfsUnmount c: _mounter.Unmount(c); break;
            case ZfsRollback c: _lifecycle.Rollback(c); break;
            case ZpoolSetBootfs c: _lifecycle.SetBootfs(c); break;
            default: throw Usage(command, $"unrecognized command '{command.Argv.ElementAtOrDefault(1)}'");
        }
    }

    private void Create(ZfsCreate c)
    {
        var name = c.Dataset;
        var what = $"cannot create '{name}'";
        _datasets.CheckNewFileSystem(c, name, what);
        var props = CheckProperties(c, c.Properties, snapshot: false, what);
        var ds = _datasets.Add(name, isSnapshot: false, DirNode.Empty, _now(), local: props);
        // zfs create mounts what would be mounted at boot; when that fails the file system stays.
        if (ds.CanMount == "on" && IsPath(_datasets.EffectiveMountPoint(ds))) MountAfterCreate(c, ds);
    }

    private void Snapshot(ZfsSnapshot c)
    {
        if (c.Snapshots.Count == 0) throw Usage(c, "missing snapshot argument");
        var props = CheckProperties(c, c.Properties, snapshot: true, "cannot create snapshot");
        var targets = new List<(SimDataset FileSystem, string Name)>();
        foreach (var snapshot in c.Snapshots)
        {
            var at = snapshot.IndexOf('@');
            if (at < 0) throw Fail(c, $"cannot create snapshot '{snapshot}': empty component or misplaced '@' or '#' delimiter in name");
            var fsName = snapshot[..at];
            var shortName = snapshot[(at + 1)..];
            CheckComponent(c, shortName, $"cannot create snapshot '{snapshot}'");
            var fs = _datasets.FindFileSystem(fsName) ?? throw Fail(c, $"cannot open '{fsName}': dataset does not exist");
            var family = c.Recursive ? _datasets.Subtree(fs.Name).Where(d => !d.IsSnapshot).ToList() : [fs];
            targets.AddRange(family.Select(f => (f, $"{f.Name}@{shortName}")));
        }
        // All or nothing: every name is checked before the first snapshot is taken.
        if (targets.GroupBy(t => t.FileSystem.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Fail(c, $"cannot create snapshots: multiple snapshots of the same file system '{twice.Key}'");
        if (targets.FirstOrDefault(t => _datasets.Contains(t.Name)) is { Name: not null } taken)
            throw Fail(c, $"cannot create snapshot '{taken.Name}': dataset already exists");
        // One transaction group takes them all, as zfs's does: they share their createtxg.
        var created = _now();
        var group = _datasets.Txg + 1; // the first one's own
        foreach (var (fs, name) in targets) _datasets.Add(name, isSnapshot: true, fs.Root, created, local: props, createTxg: group);
    }

    private void Clone(ZfsClone c)
    {
        var what = $"cannot create '{c.Target}'";
        var origin = _datasets.Find(c.Snapshot) ?? throw Fail(c, $"cannot open '{c.Snapshot}': dataset does not exist");
        if (!origin.IsSnapshot)
            throw Fail(c, $"cannot open '{c.Snapshot}': operation not applicable to datasets of this type");
        _datasets.CheckNewFileSystem(c, c.Target, what);
        if (PoolOf(c.Target) != origin.Pool) throw Fail(c, $"{what}: source and target pools differ");
        var props = CheckProperties(c, c.Properties, snapshot: false, what);
        var clone = _datasets.Add(c.Target, isSnapshot: false, origin.Root, _now(), origin.Name, props);
        // zfs-fuse mounts a clone given a mountpoint at once, even with canmount=noauto (measured;
        // OpenZFS would not): the reason the console clones without one and sets it afterwards.
        if (clone.CanMount != "off" && IsPath(_datasets.EffectiveMountPoint(clone))) MountAfterCreate(c, clone);
    }

    private void MountAfterCreate(ZfsCommand c, SimDataset ds)
    {
        if (_mounter.TryMount(ds) is { } error)
            throw Fail(c, $"{error}\nfilesystem successfully created, but not mounted");
    }
}
