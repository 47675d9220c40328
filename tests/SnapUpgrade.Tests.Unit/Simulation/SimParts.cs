using SnapUpgrade.Infra.Simulation;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>
/// The simulator's parts wired as <see cref="SimulatedZfs"/> wires them, without the facade, so a
/// test can set up a table directly and call one part. Pool "tank" exists (unless
/// <c>empty</c>, for a state file to fill); nothing is mounted.
/// </summary>
internal sealed class SimParts
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SimParts(bool empty = false)
    {
        Trees = new VolumeTrees(Datasets);
        Paths = new PathResolver(Mounts, Trees, Datasets);
        Tree = new TreeWriter(Paths, Trees, Mounts);
        if (empty) return;
        Datasets.AddPool(new SimPool { Name = "tank", Guid = "1" });
        Datasets.Add("tank", isSnapshot: false, DirNode.Empty, Epoch, local: new Dictionary<string, string>
        {
            ["mountpoint"] = "none",
            ["canmount"] = "off",
        });
    }

    public DatasetTable Datasets { get; } = new();
    public MountTable Mounts { get; } = new();
    public VolumeTrees Trees { get; }
    public PathResolver Paths { get; }
    public TreeWriter Tree { get; }

    public ZfsCommands Commands() => new(Datasets, Mounts, Paths, Tree, () => Epoch);

    /// <summary>A file system with the given own properties (no checks: the table is set up, not commanded).</summary>
    public SimDataset FileSystem(string name, params (string Key, string Value)[] local) =>
        Datasets.Add(name, isSnapshot: false, DirNode.Empty, Epoch, local: local.ToDictionary(p => p.Key, p => p.Value));

    /// <summary>Mounts <paramref name="dataset"/> at <paramref name="target"/> as zfs would, making the directory first.</summary>
    public SimMount MountAt(string dataset, string target)
    {
        Tree.EnsureDirectory(HostPath.Split(target));
        var mount = new SimMount(target, dataset, [], ReadOnly: false, IsBind: false, dataset);
        Mounts.Add(mount);
        return mount;
    }

    public static SimMount Zfs(string target, string dataset) => new(target, dataset, [], ReadOnly: false, IsBind: false, dataset);

    public static SimMount Bind(string target, string? dataset, string[] sourcePath, bool readOnly = false) =>
        new(target, dataset, sourcePath, readOnly, IsBind: true, "/" + string.Join('/', sourcePath));

    public static string[] P(string path) => HostPath.Split(path);

    public static FileNode TextFile(string text) => new(System.Text.Encoding.UTF8.GetBytes(text), new NodeMeta(FileNode.DefaultMode, 0, 0, 99));
}
