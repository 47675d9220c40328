using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

// ZfsCommand records interpreted with zfs semantics: create, snapshot, clone and the dispatch.
public sealed partial class SimulatedZfs
{
    public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ct.ThrowIfCancellationRequested();
        Mutate(() =>
        {
            switch (command)
            {
                case ZfsCreate c: Create(c); break;
                case ZfsSnapshot c: Snapshot(c); break;
                case ZfsClone c: Clone(c); break;
                case ZfsPromote c: Promote(c); break;
                case ZfsDestroy c: Destroy(c); break;
                case ZfsRename c: Rename(c); break;
                case ZfsSet c: SetProperty(c); break;
                case ZfsInherit c: InheritProperty(c); break;
                case ZfsMount c: MountCommand(c); break;
                case ZfsUnmount c: UnmountCommand(c); break;
                case ZfsRollback c: Rollback(c); break;
                case ZpoolSetBootfs c: SetBootfs(c); break;
                default: throw Usage(command, $"unrecognized command '{command.Argv.ElementAtOrDefault(1)}'");
            }
        });
        return Task.CompletedTask;
    }

    private void Create(ZfsCreate c)
    {
        var name = c.Dataset;
        var what = $"cannot create '{name}'";
        CheckNewFileSystem(c, name, what);
        var props = CheckProperties(c, c.Properties, snapshot: false, what);
        var ds = NewDataset(name, isSnapshot: false, DirNode.Empty);
        foreach (var (key, value) in props) ds.Local[key] = value;
        // zfs create mounts what would be mounted at boot; when that fails the file system stays.
        if (ds.CanMount == "on" && IsPath(EffectiveMountPoint(ds))) MountAfterCreate(c, ds);
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
            var fs = FindFileSystem(fsName) ?? throw Fail(c, $"cannot open '{fsName}': dataset does not exist");
            var family = c.Recursive ? Subtree(fs.Name).Where(d => !d.IsSnapshot).ToList() : [fs];
            targets.AddRange(family.Select(f => (f, $"{f.Name}@{shortName}")));
        }
        // All or nothing: every name is checked before the first snapshot is taken.
        if (targets.GroupBy(t => t.FileSystem.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Fail(c, $"cannot create snapshots: multiple snapshots of the same file system '{twice.Key}'");
        if (targets.FirstOrDefault(t => _datasets.ContainsKey(t.Name)) is { Name: not null } taken)
            throw Fail(c, $"cannot create snapshot '{taken.Name}': dataset already exists");
        var created = Now();
        foreach (var (fs, name) in targets)
        {
            var snap = new SimDataset
            {
                Name = name, IsSnapshot = true, Created = created, Txg = ++_txg, Root = fs.Root,
                Local = new Dictionary<string, string>(props, StringComparer.Ordinal),
            };
            _datasets[name] = snap;
        }
    }

    private void Clone(ZfsClone c)
    {
        var what = $"cannot create '{c.Target}'";
        if (!_datasets.TryGetValue(c.Snapshot, out var origin))
            throw Fail(c, $"cannot open '{c.Snapshot}': dataset does not exist");
        if (!origin.IsSnapshot)
            throw Fail(c, $"cannot open '{c.Snapshot}': operation not applicable to datasets of this type");
        CheckNewFileSystem(c, c.Target, what);
        if (PoolOf(c.Target) != origin.Pool) throw Fail(c, $"{what}: source and target pools differ");
        var props = CheckProperties(c, c.Properties, snapshot: false, what);
        var clone = NewDataset(c.Target, isSnapshot: false, origin.Root, origin.Name);
        foreach (var (key, value) in props) clone.Local[key] = value;
        // zfs-fuse mounts a clone given a mountpoint at once, even with canmount=noauto (measured;
        // OpenZFS would not): the reason the console clones without one and sets it afterwards.
        if (clone.CanMount != "off" && IsPath(EffectiveMountPoint(clone))) MountAfterCreate(c, clone);
    }

    private void MountAfterCreate(ZfsCommand c, SimDataset ds)
    {
        if (TryMount(ds) is { } error)
            throw Fail(c, $"{error}\nfilesystem successfully created, but not mounted");
    }

    /// <summary>Checks that <paramref name="name"/> can be created as a new file system: valid, absent, parent present.</summary>
    private void CheckNewFileSystem(ZfsCommand c, string name, string what)
    {
        if (name.Contains('@')) throw Fail(c, $"{what}: snapshot delimiter '@' is not expected here");
        foreach (var component in name.Split('/')) CheckComponent(c, component, what);
        var pool = PoolOf(name);
        if (!_pools.ContainsKey(pool)) throw Fail(c, $"{what}: no such pool '{pool}'");
        if (_datasets.ContainsKey(name)) throw Fail(c, $"{what}: dataset already exists");
        var parent = name[..Math.Max(0, name.LastIndexOf('/'))];
        if (!_datasets.ContainsKey(parent)) throw Fail(c, $"{what}: parent does not exist");
    }

    private static void CheckComponent(ZfsCommand c, string component, string what)
    {
        if (component.Length == 0) throw Fail(c, $"{what}: empty component or misplaced '@' or '#' delimiter in name");
        var bad = component.FirstOrDefault(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.' or ':'));
        if (bad != default) throw Fail(c, $"{what}: invalid character '{bad}' in name");
        if (component.Length > 255) throw Fail(c, $"{what}: name is too long");
    }

    private static string PoolOf(string name) => name.Split('/', '@')[0];

    private SimDataset? FindFileSystem(string name) =>
        _datasets.TryGetValue(name, out var ds) && !ds.IsSnapshot ? ds : null;

    private SimDataset Existing(ZfsCommand c, string name) =>
        _datasets.GetValueOrDefault(name) ?? throw Fail(c, $"cannot open '{name}': dataset does not exist");

    /// <summary>The dataset and everything below it (file systems and snapshots), parents before children.</summary>
    private IEnumerable<SimDataset> Subtree(string name) =>
        _datasets.Values
            .Where(d => d.Name == name || d.Name.StartsWith(name + "/", StringComparison.Ordinal)
                || d.Name.StartsWith(name + "@", StringComparison.Ordinal))
            .OrderBy(d => d.FileSystem.Count(ch => ch == '/')).ThenBy(d => d.IsSnapshot).ThenBy(d => d.Txg);

    /// <summary>The file system's own snapshots, oldest first.</summary>
    private List<SimDataset> SnapshotsOf(string fileSystem) =>
        [.. _datasets.Values.Where(d => d.IsSnapshot && d.FileSystem == fileSystem).OrderBy(d => d.Txg)];

    private IEnumerable<SimDataset> ClonesOf(string snapshot) => _datasets.Values.Where(d => d.Origin == snapshot);

    private static ZfsCommandException Fail(ZfsCommand c, string stderr) => new(c.Argv, 1, stderr + "\n");

    private static ZfsCommandException Usage(ZfsCommand c, string stderr) => new(c.Argv, 2, stderr + "\n");
}
