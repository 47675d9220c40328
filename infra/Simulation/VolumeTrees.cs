namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The file trees of the host's volumes: each dataset's (kept on the dataset, so a snapshot or a
/// clone shares it by reference) and the base directory's, what the host root shows where nothing
/// is mounted. A volume is named by its dataset, null for the base directory. Inode numbers are
/// handed out here because they must be unique across every tree. Not thread-safe on its own:
/// <see cref="SimulatedZfs"/> holds its one lock around every use.
/// </summary>
internal sealed class VolumeTrees(DatasetTable datasets)
{
    /// <summary>What the host root shows where nothing is mounted, like the lab directory an altroot sits in.</summary>
    public DirNode BaseRoot { get; private set; } = DirNode.Empty;

    /// <summary>The next inode number to hand out (1 is every dataset's root).</summary>
    public long NextInode { get; private set; } = 2;

    /// <summary>The tmpfs volumes (<see cref="Scratch"/>): in memory only, gone when unmounted, as a tmpfs is.</summary>
    private readonly Dictionary<string, DirNode> _scratch = new(StringComparer.Ordinal);

    public DirNode RootOf(string? volume) => volume is null ? BaseRoot
        : Scratch.IsScratch(volume) ? _scratch[volume] : datasets[volume].Root;

    /// <summary>Replaces a volume's whole tree (a chmod of a mount point changes the mounted root).</summary>
    public void SetRoot(string? volume, DirNode root)
    {
        if (volume is null) BaseRoot = root;
        else if (Scratch.IsScratch(volume)) _scratch[volume] = root;
        else datasets[volume].Root = root;
    }

    /// <summary>A new, empty tmpfs volume whose root has <paramref name="mode"/>; its name.</summary>
    public string NewScratch(int mode)
    {
        var name = $"{Scratch.Prefix}{NewInode()}";
        _scratch[name] = DirNode.New(NewMeta(mode));
        return name;
    }

    public void DropScratch(string volume) => _scratch.Remove(volume);

    /// <summary>The node at <paramref name="inner"/> inside the volume, links not followed; null when missing.</summary>
    public Node? Get(string? volume, ReadOnlySpan<string> inner) => FileTree.Get(RootOf(volume), inner);

    /// <summary>Puts (with null: removes) a node inside the volume; its parent directory must exist.</summary>
    public void Set(string? volume, ReadOnlySpan<string> inner, Node? node) => SetRoot(volume, FileTree.Set(RootOf(volume), inner, node));

    /// <summary>Metadata for a node made now: permission bits of <paramref name="mode"/>, a fresh inode number.</summary>
    public NodeMeta NewMeta(int mode, int uid = 0, int gid = 0) => new(mode & 0xFFF, uid, gid, NewInode());

    public long NewInode() => NextInode++;

    /// <summary>Puts back what a state file held.</summary>
    public void Restore(DirNode baseRoot, long nextInode)
    {
        BaseRoot = baseRoot;
        NextInode = nextInode;
    }
}
